//! F10 tests (filled below).
