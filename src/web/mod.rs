//! Browser front end: the Yew page and the dissecting worker.

pub mod app;
pub mod blob_reader;
pub mod components;
pub mod link;
pub mod state;
pub mod worker;
