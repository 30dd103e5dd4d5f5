"""What a generator raises: a wrong build option, or a wrong template definition.

``GeneratorOptionError`` is the caller's mistake (the CLI reports it as bad input);
``TemplateDefinitionError`` is a programming error in a product's own definition, so it is
deliberately not a ``GeneratorOptionError``: no option can fix it.
"""


class GeneratorOptionError(ValueError):
    """An impossible generator option (combination); the message names the option."""


class TemplateDefinitionError(ValueError):
    """The template definition itself is wrong (say, a duplicate parameter); fix the code."""
