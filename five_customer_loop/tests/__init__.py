from . import test_loop_rules
from . import test_consumption_archive
from . import test_engine_batch
