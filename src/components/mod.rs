//! Reusable view pieces that know no feature.

pub mod confirm;
pub mod error;
pub mod form;
pub mod loaded;
pub mod table;
pub mod toast;
pub mod url;
