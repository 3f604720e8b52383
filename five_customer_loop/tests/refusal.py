"""``assertRefused``: bad input raises a clear error and writes nothing."""

from contextlib import contextmanager


class RefusalMixin:
    @contextmanager
    def assertRefused(self, exception, text):
        """Like ``assertRaisesRegex``, but inside a savepoint as ``assertRaises``.

        unittest's ``assertRaisesRegex`` does not roll back what was written
        before the error: with this, checking afterwards that nothing was
        written is meaningful, exactly as when the user's transaction fails.
        """
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))
