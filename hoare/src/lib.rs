//! Hoare-style checking of each function against its own spec, with Z3 deciding every formal step. Not built yet; see the hoare issue.
