//! Log janitor: placeholder until the janitor lands.
