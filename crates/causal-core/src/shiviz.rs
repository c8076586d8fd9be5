//! A run as a ShiViz log: see `to_shiviz`.
