"""The one error a generator raises for options that cannot work together."""


class GeneratorOptionError(ValueError):
    """An impossible generator option (combination); the message names the option."""
