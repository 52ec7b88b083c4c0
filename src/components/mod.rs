//! Reusable view pieces that know no feature.

pub mod error;
pub mod form;
pub mod loaded;
pub mod url;
