pub mod catalog;
pub mod gs1;
mod rng;
mod time;
pub use catalog::{CatalogEntry, CatalogModel, catalog};

#[cfg(test)]
mod dump {
    #[test]
    fn dump_models() {
        for e in crate::catalog().unwrap() {
            for m in e.typical_manufacturers_models {
                println!("{:40} | {:28} | {:28} | {}", &e.category[..e.category.len().min(40)], m.manufacturer, m.model_number, m.name);
            }
        }
    }
}
