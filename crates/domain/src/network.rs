//! Networked devices (REFERENCE §7): an asset's network profile (addresses, OS, software version,
//! patient-data handling, remote access, certificate expiry) and the MDS2 answers that matter per
//! device model and software version. Validation normalises what people type: IP addresses in
//! their canonical form, MAC addresses as `AA:BB:CC:DD:EE:FF`, host names in lower case.

use crate::ids::{AssetId, ModelId};
use crate::{DomainError, FieldError, text_enum};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

text_enum!(
    /// How the device joins the network (MDS2 CONN).
    Connection, "connection" {
        Wired => "wired": "Wired",
        Wireless => "wireless": "Wireless",
        Both => "both": "Wired and wireless",
        None => "none": "Not connected",
    }
);

text_enum!(
    /// How people authenticate on the device (MDS2 AUTH / PAUT).
    Authentication, "authentication" {
        None => "none": "None",
        Shared => "shared": "Shared account",
        Individual => "individual": "Individual accounts",
        Unknown => "unknown": "Unknown",
    }
);

text_enum!(
    /// Whether data is encrypted (MDS2 STCF at rest, TXCF in transit).
    Encryption, "encryption" {
        Yes => "yes": "Yes",
        No => "no": "No",
        Partial => "partial": "Partly",
        Na => "na": "Not applicable",
        Unknown => "unknown": "Unknown",
    }
);

text_enum!(
    /// Who installs security updates (MDS2 CSUP).
    Patching, "patching" {
        Manufacturer => "manufacturer": "Manufacturer only",
        Hospital => "hospital": "Hospital may install validated patches",
        Either => "either": "Manufacturer or hospital",
        None => "none": "No patches provided",
        Unknown => "unknown": "Unknown",
    }
);

text_enum!(
    /// Whether malware protection is supported (MDS2 MLDP).
    MalwareProtection, "malware_protection" {
        Yes => "yes": "Yes",
        No => "no": "No",
        Na => "na": "Not applicable",
        Unknown => "unknown": "Unknown",
    }
);

text_enum!(
    /// How the manufacturer services the device remotely (MDS2 RMOT).
    RemoteService, "remote_service" {
        None => "none": "No remote service",
        OnRequest => "on_request": "On request (customer-initiated)",
        Always => "always": "Always-on connection",
        Unknown => "unknown": "Unknown",
    }
);

const MAX_TEXT: usize = 200;

/// What is stored about an asset on the network. Address lists are comma-separated text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkFields {
    pub hostname: Option<String>,
    /// Comma-separated IPv4/IPv6 addresses.
    pub ip_addresses: Option<String>,
    /// Comma-separated MAC addresses, stored as `AA:BB:CC:DD:EE:FF`.
    pub mac_addresses: Option<String>,
    pub vlan: Option<String>,
    pub connection: Connection,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub software_version: Option<String>,
    #[serde(default)]
    pub stores_phi: bool,
    #[serde(default)]
    pub transmits_phi: bool,
    #[serde(default)]
    pub remote_access: bool,
    pub remote_access_method: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub cert_expires_on: Option<Date>,
}

/// A stored network profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkProfile {
    pub asset_id: AssetId,
    #[serde(flatten)]
    pub fields: NetworkFields,
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// The MDS2 answers for one model and software version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityFields {
    pub software_version: String,
    pub authentication: Authentication,
    pub encryption_at_rest: Encryption,
    pub encryption_in_transit: Encryption,
    pub patching: Patching,
    /// How patches are delivered and how fast (free text from the MDS2 CSUP answers).
    pub patching_notes: Option<String>,
    pub malware_protection: MalwareProtection,
    pub remote_service: RemoteService,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub os_end_of_support: Option<Date>,
}

/// A stored model security profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelSecurityProfile {
    pub id: i64,
    pub model_id: ModelId,
    #[serde(flatten)]
    pub fields: SecurityFields,
    pub version: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// One asset whose OS its model security profile says is past end of support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnsupportedOsRow {
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub manufacturer_name: String,
    pub model_id: ModelId,
    pub model_number: String,
    pub hostname: Option<String>,
    pub software_version: String,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub os_end_of_support: Date,
}

/// One asset whose certificate expires on or before the report's horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateExpiringRow {
    pub asset_id: AssetId,
    pub asset_tag: String,
    pub manufacturer_name: String,
    pub model_number: String,
    pub hostname: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub cert_expires_on: Date,
}

/// Trims; an empty text is no value.
fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) {
    if v.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT) {
        errors.push(FieldError::new(field, format!("must be at most {MAX_TEXT} characters")));
    }
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', ';', ' ', '\n', '\t']).map(str::trim).filter(|p| !p.is_empty())
}

/// A host name by RFC 1123: labels of 1–63 letters, digits and hyphens, not starting or ending
/// with a hyphen, at most 253 characters; returned in lower case.
pub fn normalize_hostname(s: &str) -> Result<String, String> {
    let h = s.trim().trim_end_matches('.').to_ascii_lowercase();
    if h.is_empty() || h.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    for label in h.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!("'{label}' is not a valid name part (1 to 63 characters between dots)"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("'{label}' may contain only letters, digits and hyphens"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("'{label}' may not start or end with a hyphen"));
        }
    }
    Ok(h)
}

/// A comma-separated list of IPv4/IPv6 addresses in canonical form, without duplicates.
pub fn normalize_ip_list(s: &str) -> Result<Option<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(s) {
        let ip: IpAddr = part.parse().map_err(|_| format!("'{part}' is not an IPv4 or IPv6 address"))?;
        let text = ip.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(if out.is_empty() { None } else { Some(out.join(",")) })
}

/// One MAC address in any usual notation (`aa:bb:…`, `AA-BB-…`, `aabb.ccdd.eeff`, 12 hex digits)
/// as `AA:BB:CC:DD:EE:FF`.
pub fn normalize_mac(s: &str) -> Result<String, String> {
    let hex: String = s.chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
    let seps_ok = {
        let t = s.trim();
        let colon = t.len() == 17 && t.split(':').count() == 6 && t.split(':').all(|p| p.len() == 2);
        let dash = t.len() == 17 && t.split('-').count() == 6 && t.split('-').all(|p| p.len() == 2);
        let dot = t.len() == 14 && t.split('.').count() == 3 && t.split('.').all(|p| p.len() == 4);
        colon || dash || dot || t.len() == 12
    };
    if !seps_ok || hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("'{}' is not a MAC address (six hex pairs, e.g. 00:1A:2B:3C:4D:5E)", s.trim()));
    }
    let up = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..6).filter_map(|i| up.get(i * 2..i * 2 + 2)).collect();
    Ok(pairs.join(":"))
}

/// A comma-separated list of MAC addresses, normalised, without duplicates.
pub fn normalize_mac_list(s: &str) -> Result<Option<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(s) {
        let m = normalize_mac(part)?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(if out.is_empty() { None } else { Some(out.join(",")) })
}

impl NetworkFields {
    /// Checks and normalises every field, reporting all problems at once.
    pub fn normalize(self) -> Result<NetworkFields, DomainError> {
        let mut errors = Vec::new();
        let hostname = match clean(self.hostname) {
            None => None,
            Some(h) => match normalize_hostname(&h) {
                Ok(h) => Some(h),
                Err(m) => {
                    errors.push(FieldError::new("hostname", m));
                    None
                }
            },
        };
        let ip_addresses = match clean(self.ip_addresses).map(|s| normalize_ip_list(&s)).transpose() {
            Ok(v) => v.flatten(),
            Err(m) => {
                errors.push(FieldError::new("ip_addresses", m));
                None
            }
        };
        let mac_addresses = match clean(self.mac_addresses).map(|s| normalize_mac_list(&s)).transpose() {
            Ok(v) => v.flatten(),
            Err(m) => {
                errors.push(FieldError::new("mac_addresses", m));
                None
            }
        };
        let out = NetworkFields {
            hostname,
            ip_addresses,
            mac_addresses,
            vlan: clean(self.vlan),
            connection: self.connection,
            os_name: clean(self.os_name),
            os_version: clean(self.os_version),
            software_version: clean(self.software_version),
            stores_phi: self.stores_phi,
            transmits_phi: self.transmits_phi,
            remote_access: self.remote_access,
            remote_access_method: clean(self.remote_access_method),
            cert_expires_on: self.cert_expires_on,
        };
        for (f, v) in [
            ("vlan", &out.vlan),
            ("os_name", &out.os_name),
            ("os_version", &out.os_version),
            ("software_version", &out.software_version),
            ("remote_access_method", &out.remote_access_method),
        ] {
            check_len(&mut errors, f, v);
        }
        if !out.remote_access && out.remote_access_method.is_some() {
            errors.push(FieldError::new("remote_access_method", "only applies when remote access is enabled"));
        }
        if out.connection == Connection::None && (out.ip_addresses.is_some() || out.hostname.is_some()) {
            errors.push(FieldError::new("connection", "a device with network addresses cannot be 'not connected'"));
        }
        if errors.is_empty() { Ok(out) } else { Err(DomainError::Invalid(errors)) }
    }
}

impl SecurityFields {
    /// Checks and trims the answers.
    pub fn normalize(self) -> Result<SecurityFields, DomainError> {
        let mut errors = Vec::new();
        let software_version = self.software_version.trim().to_string();
        if software_version.is_empty() {
            errors.push(FieldError::new("software_version", "is required"));
        }
        let out = SecurityFields {
            software_version: software_version.clone(),
            patching_notes: clean(self.patching_notes),
            os_name: clean(self.os_name),
            os_version: clean(self.os_version),
            ..self
        };
        for (f, v) in
            [("software_version", &Some(software_version)), ("os_name", &out.os_name), ("os_version", &out.os_version)]
        {
            check_len(&mut errors, f, v);
        }
        if out.patching_notes.as_ref().is_some_and(|s| s.chars().count() > 2000) {
            errors.push(FieldError::new("patching_notes", "must be at most 2000 characters"));
        }
        if errors.is_empty() { Ok(out) } else { Err(DomainError::Invalid(errors)) }
    }
}

/// A profile's OS is unsupported when its model security profile gives an end-of-support date
/// before `today` (on the end-of-support day itself it is still supported).
pub fn os_unsupported(os_end_of_support: Option<Date>, today: Date) -> bool {
    os_end_of_support.is_some_and(|d| d < today)
}

/// The last day a certificate may expire on and still be in the "expiring within `days`" report
/// (certificates already expired are in it too).
pub fn cert_horizon(today: Date, days: u16) -> Date {
    today.saturating_add(jiff::Span::new().days(i64::from(days)))
}

/// Whether a certificate expires within `days` of `today` (or has already expired).
pub fn cert_expiring(cert_expires_on: Option<Date>, today: Date, days: u16) -> bool {
    cert_expires_on.is_some_and(|d| d <= cert_horizon(today, days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields() -> NetworkFields {
        NetworkFields {
            hostname: Some(" ICU-MON-01.Hospital.local ".into()),
            ip_addresses: Some("10.20.30.41, fe80:0:0:0:0:0:0:1,10.20.30.41".into()),
            mac_addresses: Some("00-1a-2b-3c-4d-5e, 001a.2b3c.4d5f".into()),
            vlan: Some(" 120 ".into()),
            connection: Connection::Wired,
            os_name: Some("Windows".into()),
            os_version: Some("7 SP1".into()),
            software_version: Some("3.2".into()),
            stores_phi: true,
            transmits_phi: true,
            remote_access: true,
            remote_access_method: Some("VPN".into()),
            cert_expires_on: Some(date(2026, 12, 1)),
        }
    }

    #[test]
    fn normalises_addresses_and_names() {
        let f = fields().normalize().unwrap();
        assert_eq!(f.hostname.as_deref(), Some("icu-mon-01.hospital.local"));
        assert_eq!(f.ip_addresses.as_deref(), Some("10.20.30.41,fe80::1"));
        assert_eq!(f.mac_addresses.as_deref(), Some("00:1A:2B:3C:4D:5E,00:1A:2B:3C:4D:5F"));
        assert_eq!(f.vlan.as_deref(), Some("120"));
    }

    #[test]
    fn mac_notations() {
        assert_eq!(normalize_mac("aa:bb:cc:dd:ee:ff").unwrap(), "AA:BB:CC:DD:EE:FF");
        assert_eq!(normalize_mac("AABBCCDDEEFF").unwrap(), "AA:BB:CC:DD:EE:FF");
        assert!(normalize_mac("aa:bb:cc:dd:ee").is_err());
        assert!(normalize_mac("gg:bb:cc:dd:ee:ff").is_err());
        assert!(normalize_mac("aab:bcc:dd:ee:ff").is_err());
        assert!(normalize_mac("aa:bb-cc:dd:ee:ff").is_err());
    }

    #[test]
    fn ip_and_hostname_errors_are_reported_together() {
        let mut f = fields();
        f.ip_addresses = Some("10.0.0.256".into());
        f.hostname = Some("-bad-.local".into());
        f.mac_addresses = Some("zz".into());
        let DomainError::Invalid(errs) = f.normalize().unwrap_err() else { panic!() };
        let names: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["hostname", "ip_addresses", "mac_addresses"]);
        assert!(normalize_ip_list("2001:db8::1").unwrap().is_some());
        assert!(normalize_ip_list("192.168.1").is_err());
        assert!(normalize_hostname("a_b").is_err());
        assert!(normalize_hostname(&"a".repeat(64)).is_err());
    }

    #[test]
    fn consistency_rules() {
        let mut f = fields();
        f.remote_access = false;
        assert!(f.normalize().is_err());
        let mut f = fields();
        f.connection = Connection::None;
        assert!(f.normalize().is_err());
        let mut f = fields();
        f.ip_addresses = Some("  ".into());
        assert_eq!(f.normalize().unwrap().ip_addresses, None);
    }

    #[test]
    fn os_support_rule() {
        // Windows 7 extended support ended 2020-01-14.
        let eos = Some(date(2020, 1, 14));
        assert!(!os_unsupported(eos, date(2020, 1, 14)));
        assert!(os_unsupported(eos, date(2020, 1, 15)));
        assert!(!os_unsupported(None, date(2030, 1, 1)));
    }

    #[test]
    fn certificate_window() {
        let today = date(2026, 11, 21);
        assert!(cert_expiring(Some(date(2027, 1, 20)), today, 60));
        assert!(!cert_expiring(Some(date(2027, 1, 21)), today, 60));
        assert!(cert_expiring(Some(date(2026, 1, 1)), today, 60));
        assert!(!cert_expiring(None, today, 60));
    }

    #[test]
    fn security_fields_need_a_version() {
        let s = SecurityFields {
            software_version: "  ".into(),
            authentication: Authentication::Shared,
            encryption_at_rest: Encryption::No,
            encryption_in_transit: Encryption::Partial,
            patching: Patching::Manufacturer,
            patching_notes: None,
            malware_protection: MalwareProtection::Yes,
            remote_service: RemoteService::OnRequest,
            os_name: None,
            os_version: None,
            os_end_of_support: None,
        };
        assert!(s.normalize().is_err());
        assert_eq!(Encryption::parse("na").unwrap(), Encryption::Na);
    }
}
