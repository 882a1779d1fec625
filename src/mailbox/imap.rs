//! IMAP mailbox (being written).
