"""The complete stack: every module of the signed-URL capability in one launch.

``template`` wires the modules' own ``add_*`` functions together with in-template references
(the secret's ARN, the key group's ID, the bucket's domain name, the distribution's ARN...)
where the modular products take parameters; it defines no resource of its own.
``parameters`` holds its console parameters (most reused from the modules), conditions and
rules; ``options`` the modules' build options, kept consistent; ``reference`` the notes and usage of
its reference page. ``products.complete_stack.build`` is the product's entry point like every
other product's.
"""

from products.complete_stack.options import CompleteStackOptions
from products.complete_stack.reference import REFERENCE_NOTES, USAGE
from products.complete_stack.template import build

__all__ = ["REFERENCE_NOTES", "USAGE", "CompleteStackOptions", "build"]
