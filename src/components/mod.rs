//! Reusable view pieces that know no feature.

pub mod form;
