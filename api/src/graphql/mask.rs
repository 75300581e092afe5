//! Masking of personal values, shared with the service layer (see [`crate::mask`]).

pub use crate::mask::*;
