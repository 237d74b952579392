//! Replay of an imported account history through the compliance engine.

pub mod sample;
