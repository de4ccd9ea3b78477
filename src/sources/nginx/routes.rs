//! Routes (locations with a `*_pass`) and upstream blocks with effective values.
