//! Technician qualifications through the use cases, on both back ends: permissions, the
//! technicians overview, the command-line path by user name, and the demo hospital's seed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use htm_domain::org::NewSite;
use htm_domain::qualification::{Certification, NewQualification, QualificationPolicy};
use htm_domain::user::{NewUser, Role};
use htm_service::{Principal, ServiceError, Services};
use htm_test_support::stores;

async fn person(s: &Services, name: &str, role: Role) -> Principal {
    let u = s
        .add_user_as_system(NewUser {
            username: name.into(),
            display_name: name.to_uppercase(),
            role,
            email: None,
            vendor_id: None,
            password: "Good-Password-1".into(),
        })
        .await
        .unwrap();
    Principal { user: u }
}

fn cbet() -> NewQualification {
    NewQualification { certification: Some(Certification::Cbet), ..Default::default() }
}

#[tokio::test]
async fn managers_manage_technicians_read_their_own() {
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        let mgr = person(&s, "mgr", Role::Manager).await;
        let eng = person(&s, "eng", Role::Engineer).await;
        let tech = person(&s, "tech", Role::Technician).await;
        let tech2 = person(&s, "tech2", Role::Technician).await;
        let nurse = person(&s, "nurse", Role::Requester).await;

        // Only managers and administrators add.
        for p in [&tech, &eng, &nurse] {
            let e = s.add_qualification(p, tech.user.id, cbet()).await.unwrap_err();
            assert!(matches!(e, ServiceError::Forbidden(_)), "{}: {e:?}", p.user.username);
        }
        let q = s.add_qualification(&mgr, tech.user.id, cbet()).await.unwrap();
        assert_eq!((q.user_id, q.certification), (tech.user.id, Some(Certification::Cbet)), "{}", db.name);
        // Not to someone who does no maintenance work.
        let e = s.add_qualification(&mgr, nurse.user.id, cbet()).await.unwrap_err();
        assert!(matches!(e, ServiceError::Validation(_)), "{e:?}");
        // The command line names the user.
        let cli = NewQualification {
            certification: Some(Certification::Cres),
            expires_on: Some(jiff::civil::date(2028, 5, 31)),
            ..Default::default()
        };
        let q2 = s.add_qualification_by_username(&Principal::system(), "tech2", cli).await.unwrap();
        assert_eq!((q2.user_id, q2.expires_on), (tech2.user.id, Some(jiff::civil::date(2028, 5, 31))));
        let audit = db.store.list_audit_for("qualification", &q2.id.to_string(), 5).await.unwrap();
        assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("create", "system"), "{}", db.name);
        assert!(matches!(
            s.add_qualification_by_username(&Principal::system(), "nobody", cbet()).await,
            Err(ServiceError::NotFound(_))
        ));

        // Reading: one's own always; others' with the right.
        assert_eq!(s.list_qualifications(&tech, tech.user.id).await.unwrap().len(), 1);
        assert!(matches!(s.list_qualifications(&tech, tech2.user.id).await, Err(ServiceError::Forbidden(_))));
        assert_eq!(
            s.list_qualifications(&eng, tech2.user.id).await.unwrap()[0].certification,
            Some(Certification::Cres)
        );

        // The overview: everyone who does work (not requesters); a technician sees only themselves.
        let all = s.technicians(&mgr).await.unwrap();
        let names: Vec<&str> = all.iter().map(|t| t.user.username.as_str()).collect();
        assert!(names.contains(&"tech") && names.contains(&"tech2") && names.contains(&"mgr"), "{names:?}");
        assert!(!names.contains(&"nurse"), "{names:?}");
        let t2 = all.iter().find(|t| t.user.id == tech2.user.id).unwrap();
        assert_eq!(t2.qualifications.len(), 1);
        let own = s.technicians(&tech).await.unwrap();
        assert_eq!((own.len(), own[0].user.id, own[0].qualifications.len()), (1, tech.user.id, 1));

        // Revoking and the site policy: managers only.
        assert!(matches!(
            s.revoke_qualification(&tech, tech.user.id, q.id, "x").await,
            Err(ServiceError::Forbidden(_))
        ));
        assert!(matches!(
            s.revoke_qualification(&mgr, tech.user.id, q.id, " ").await,
            Err(ServiceError::Validation(_))
        ));
        let r = s.revoke_qualification(&mgr, tech.user.id, q.id, "left the team").await.unwrap();
        assert!(r.revoked_at.is_some());
        let site =
            s.create_site(&mgr, NewSite { code: "RGH".into(), name: "Riverside".into(), address: None }).await.unwrap();
        assert!(matches!(
            s.set_qualification_policy(&tech, site.id, QualificationPolicy::Refuse).await,
            Err(ServiceError::Forbidden(_))
        ));
        s.set_qualification_policy(&mgr, site.id, QualificationPolicy::Refuse).await.unwrap();
        assert_eq!(s.qualification_policy(&tech, site.id).await.unwrap(), QualificationPolicy::Refuse);
    }
}

#[tokio::test]
async fn the_demo_hospital_seeds_its_qualifications_and_procedure_requirements() {
    for db in stores().await {
        let s = Services::new(db.store.clone(), Default::default());
        let today = jiff::civil::date(2026, 11, 21);
        s.seed_demo(today).await.unwrap();
        let sys = Principal::system();
        let all = s.technicians(&sys).await.unwrap();
        let of = |name: &str| all.iter().find(|t| t.user.username == name).unwrap();
        assert!(
            of("mgarcia").qualifications.iter().any(|q| q.certification == Some(Certification::Chtm)),
            "{}",
            db.name
        );
        assert!(of("dchen").qualifications.iter().any(|q| q.certification == Some(Certification::Cce)));
        let kbrown = &of("kbrown").qualifications;
        assert!(
            kbrown.iter().any(|q| q.certification == Some(Certification::Cbet) && q.expired_on(today)),
            "{kbrown:?}"
        );
        assert!(all.iter().flat_map(|t| &t.qualifications).all(|q| q.certification != Some(Certification::Cnes)));
        let training = of("rlopez").qualifications.iter().filter(|q| q.model_id.is_some()).count();
        assert!(training >= 2, "{training}");
        assert!(of("rlopez").qualifications.iter().any(|q| q.model_label.is_some()));
        let procs = s.list_procedures(&sys, None).await.unwrap();
        let defib = procs.iter().find(|p| p.name.contains("Defibrillator/monitor, manual")).unwrap();
        assert_eq!(defib.requirement.certification, Some(Certification::Cbet), "{}", db.name);
        assert!(procs.iter().any(|p| p.requirement.model_training));
        // Every site starts with the default policy.
        for site in s.list_sites(&sys).await.unwrap() {
            assert_eq!(db.store.get_qualification_policy(site.id).await.unwrap(), QualificationPolicy::Flag);
        }
        assert!(db.store.verify_audit_chain().await.unwrap().is_ok());
    }
}
