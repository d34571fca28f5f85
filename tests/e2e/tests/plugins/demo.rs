//! The built-in demo connector (placeholder until written).
