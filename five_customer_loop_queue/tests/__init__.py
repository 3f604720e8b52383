from . import test_queue_recompute
