//! The organisation (sites, buildings, departments, locations) and the catalogue
//! (manufacturers, vendors, device models).

use crate::{Action, Principal, ServiceResult, Services};
use htm_domain::catalog::{DeviceModel, Manufacturer, ModelPatch, NewDeviceModel, NewManufacturer, NewVendor, Vendor};
use htm_domain::ids::*;
use htm_domain::org::*;
use htm_domain::page::{Page, PageRequest};

impl Services {
    pub async fn list_sites(&self, p: &Principal) -> ServiceResult<Vec<Site>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_sites().await?)
    }
    pub async fn get_site(&self, p: &Principal, id: SiteId) -> ServiceResult<Site> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_site(id).await?)
    }
    pub async fn create_site(&self, p: &Principal, n: NewSite) -> ServiceResult<Site> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_site(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn update_site(&self, p: &Principal, id: SiteId, patch: OrgPatch) -> ServiceResult<Site> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.update_site(&self.ctx(p, None), id, &patch).await?)
    }
    pub async fn list_buildings(&self, p: &Principal, site: Option<SiteId>) -> ServiceResult<Vec<Building>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_buildings(site).await?)
    }
    pub async fn create_building(&self, p: &Principal, n: NewBuilding) -> ServiceResult<Building> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_building(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn list_departments(
        &self,
        p: &Principal,
        building: Option<BuildingId>,
    ) -> ServiceResult<Vec<Department>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_departments(building).await?)
    }
    pub async fn get_department(&self, p: &Principal, id: DepartmentId) -> ServiceResult<Department> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_department(id).await?)
    }
    pub async fn create_department(&self, p: &Principal, n: NewDepartment) -> ServiceResult<Department> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_department(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn update_department(
        &self,
        p: &Principal,
        id: DepartmentId,
        patch: OrgPatch,
    ) -> ServiceResult<Department> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.update_department(&self.ctx(p, None), id, &patch).await?)
    }
    pub async fn list_locations(
        &self,
        p: &Principal,
        dept: Option<DepartmentId>,
        page: PageRequest,
    ) -> ServiceResult<Page<Location>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_locations(dept, page).await?)
    }
    pub async fn get_location(&self, p: &Principal, id: LocationId) -> ServiceResult<Location> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_location(id).await?)
    }
    pub async fn create_location(&self, p: &Principal, n: NewLocation) -> ServiceResult<Location> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_location(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn update_location(&self, p: &Principal, id: LocationId, patch: OrgPatch) -> ServiceResult<Location> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.update_location(&self.ctx(p, None), id, &patch).await?)
    }
    pub async fn list_manufacturers(&self, p: &Principal, page: PageRequest) -> ServiceResult<Page<Manufacturer>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_manufacturers(page).await?)
    }
    pub async fn get_manufacturer(&self, p: &Principal, id: ManufacturerId) -> ServiceResult<Manufacturer> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_manufacturer(id).await?)
    }
    pub async fn create_manufacturer(&self, p: &Principal, n: NewManufacturer) -> ServiceResult<Manufacturer> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_manufacturer(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn update_manufacturer(
        &self,
        p: &Principal,
        id: ManufacturerId,
        patch: OrgPatch,
    ) -> ServiceResult<Manufacturer> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.update_manufacturer(&self.ctx(p, None), id, &patch).await?)
    }
    pub async fn list_vendors(&self, p: &Principal, page: PageRequest) -> ServiceResult<Page<Vendor>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_vendors(page).await?)
    }
    pub async fn create_vendor(&self, p: &Principal, n: NewVendor) -> ServiceResult<Vendor> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_vendor(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn list_models(
        &self,
        p: &Principal,
        q: Option<&str>,
        page: PageRequest,
    ) -> ServiceResult<Page<DeviceModel>> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.list_models(q, page).await?)
    }
    pub async fn get_model(&self, p: &Principal, id: ModelId) -> ServiceResult<DeviceModel> {
        p.require(Action::ReadInventory)?;
        Ok(self.store.get_model(id).await?)
    }
    pub async fn create_model(&self, p: &Principal, n: NewDeviceModel) -> ServiceResult<DeviceModel> {
        p.require(Action::ManageInventory)?;
        Ok(self.store.insert_model(&self.ctx(p, None), &n.normalized()?).await?)
    }
    pub async fn update_model(&self, p: &Principal, id: ModelId, patch: ModelPatch) -> ServiceResult<DeviceModel> {
        p.require(Action::ManageInventory)?;
        self.check_model_designation_reason(id, &patch).await?;
        Ok(self.store.update_model(&self.ctx(p, patch.reason.clone()), id, &patch).await?)
    }
}
