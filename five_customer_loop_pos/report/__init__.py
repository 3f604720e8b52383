from . import loop_reports
