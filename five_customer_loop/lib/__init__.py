from . import loop_rules
