//! Demo data for networked devices: network profiles for about thirty monitors, central
//! stations, infusion pumps and imaging systems, and MDS2 security profiles for their models (the
//! central stations run Windows 7, past its end of support on 2020-01-14; two certificates expire
//! within 60 days).

use crate::{Principal, ServiceResult, Services};
use htm_domain::network::{
    Authentication, Connection, Encryption, MalwareProtection, NetworkFields, Patching, RemoteService, SecurityFields,
};
use htm_domain::seed::Dataset;
use jiff::civil::{Date, date};

/// (category prefix, how many assets, VLAN, software version, OS name, OS version, OS end of support,
/// connection, remote service)
type DemoKind = (&'static str, usize, u8, &'static str, &'static str, &'static str, Option<Date>, Connection);

const KINDS: &[DemoKind] = &[
    (
        "Central monitoring station",
        4,
        110,
        "4.2",
        "Windows 7 Embedded",
        "SP1",
        Some(date(2020, 1, 14)),
        Connection::Wired,
    ),
    ("Physiological monitor, bedside", 12, 110, "L.3", "VxWorks", "6.9", None, Connection::Both),
    ("Infusion pump, large-volume", 10, 120, "12.1.2", "Embedded Linux", "4.14", None, Connection::Wireless),
    (
        "Computed tomography",
        2,
        130,
        "VB20",
        "Windows 10 Enterprise LTSC",
        "2019",
        Some(date(2029, 1, 9)),
        Connection::Wired,
    ),
    (
        "Magnetic resonance imaging",
        2,
        130,
        "XA31",
        "Windows 10 Enterprise LTSC",
        "2021",
        Some(date(2027, 1, 12)),
        Connection::Wired,
    ),
];

impl Services {
    /// Seeds the networked-device demo (called by `seed_demo`); skipped without the demo engineer.
    pub(crate) async fn seed_demo_network(&self, data: &Dataset, today: Date) -> ServiceResult<()> {
        let Some((user, _)) = self.store.get_user_credentials("dchen").await? else {
            return Ok(());
        };
        let p = Principal { user };
        let mut n: usize = 0;
        for &(category, count, vlan, sw, os_name, os_version, eos, connection) in KINDS {
            let models: Vec<_> = data.models.iter().filter(|m| m.category.starts_with(category)).collect();
            let mut profiled = Vec::new();
            for a in data.assets.iter().filter(|a| models.iter().any(|m| m.id == a.fields.model_id)).take(count) {
                let model = a.fields.model_id;
                if !profiled.contains(&model) {
                    let windows = os_name.starts_with("Windows");
                    let fields = SecurityFields {
                        software_version: sw.to_string(),
                        authentication: if windows { Authentication::Shared } else { Authentication::Individual },
                        encryption_at_rest: if eos.is_some_and(|d| d.year() < 2021) {
                            Encryption::No
                        } else {
                            Encryption::Yes
                        },
                        encryption_in_transit: if connection == Connection::Wireless {
                            Encryption::Yes
                        } else {
                            Encryption::Partial
                        },
                        patching: if windows { Patching::Manufacturer } else { Patching::Either },
                        patching_notes: Some(
                            "Validated patches delivered by the manufacturer's service portal.".into(),
                        ),
                        malware_protection: if windows { MalwareProtection::Yes } else { MalwareProtection::Na },
                        remote_service: if windows { RemoteService::OnRequest } else { RemoteService::None },
                        os_name: Some(os_name.to_string()),
                        os_version: Some(os_version.to_string()),
                        os_end_of_support: eos,
                    };
                    self.save_model_security_profile(&p, model, fields, None).await?;
                    profiled.push(model);
                }
                // Two certificates expire within 60 days; the rest well after.
                let cert_days = match n {
                    0 => 21,
                    5 => 45,
                    _ => 200 + 17 * i64::try_from(n).unwrap_or(0),
                };
                let host: String = a
                    .fields
                    .asset_tag
                    .to_ascii_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                let remote = os_name.starts_with("Windows");
                let fields = NetworkFields {
                    hostname: Some(format!("{}.clin.demo-hospital.org", host.trim_matches('-'))),
                    ip_addresses: Some(format!("10.{vlan}.{}.{}", 1 + n / 200, 10 + n % 200)),
                    mac_addresses: Some(format!("00:09:FB:{:02X}:{:02X}:{:02X}", vlan, n / 256, n % 256)),
                    vlan: Some(format!("{vlan}")),
                    connection,
                    os_name: Some(os_name.to_string()),
                    os_version: Some(os_version.to_string()),
                    software_version: Some(sw.to_string()),
                    stores_phi: !category.starts_with("Infusion"),
                    transmits_phi: true,
                    remote_access: remote,
                    remote_access_method: remote.then(|| "Manufacturer VPN, enabled on request".to_string()),
                    cert_expires_on: Some(today.saturating_add(jiff::Span::new().days(cert_days))),
                };
                self.save_network_profile(&p, a.id, fields, None).await?;
                n += 1;
            }
        }
        Ok(())
    }
}
