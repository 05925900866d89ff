//! Linearizability checker (being written).
