//! Flow tests (filled below).
