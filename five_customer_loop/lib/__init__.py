from . import loop_rules
from . import loop_sql
