from . import test_loop_rules
