//! Unit tests of flow naming, packaging limits and the batcher's decisions.

use std::io::Read as _;

use super::*;

fn app() -> ApplicationCode {
    ApplicationCode::parse("AAA123").expect("valid")
}

fn object(interface: InterfaceCode, n: usize, size: usize, due_at: Option<Instant>) -> FlowObject {
    FlowObject {
        interface,
        id: ObjectId(format!("obj-{n}")),
        file_name: format!("Base_{n}.xml"),
        content: vec![b'x'; size],
        due_at,
    }
}

fn t(seconds: i64) -> Instant {
    Instant::from_unix_seconds(1_790_000_000 + seconds)
}

#[test]
fn names_follow_the_specification_example() {
    let name = FlowName {
        interface: InterfaceCode::F1Ubl,
        application_code: app(),
        sequence: 1,
    };
    assert_eq!(
        name.to_string(),
        "FFE0111A_AAA123_AAA1230111000000000000001"
    );
    assert_eq!(name.flow_id().len(), 25);
    assert_eq!(FlowName::parse(&name.to_string()), Some(name));
    assert_eq!(
        name.file_name(),
        "FFE0111A_AAA123_AAA1230111000000000000001.tar.gz"
    );
    for bad in [
        "FFE0111A_AAA123_AAA1230111",
        "FFE9999A_AAA123_AAA1239999000000000000001",
        "FFE0111A_AAA123_BBB1230111000000000000001",
        "FFE0111A_AAA123_AAA1230112000000000000001",
    ] {
        assert_eq!(FlowName::parse(bad), None, "{bad}");
    }
    let f10 = FlowName {
        interface: InterfaceCode::F10,
        application_code: app(),
        sequence: MAX_SEQUENCE,
    };
    assert_eq!(f10.flow_id(), "AAA1231025999999999999999");
}

#[test]
fn packages_read_back_and_are_deterministic() {
    let name = FlowName {
        interface: InterfaceCode::F6Invoice,
        application_code: app(),
        sequence: 7,
    };
    let objects: Vec<_> = (0..3)
        .map(|n| object(InterfaceCode::F6Invoice, n, 700 + n, None))
        .collect();
    let flow = package(name, &objects).expect("packs");
    assert_eq!(flow.objects.len(), 3);
    assert_eq!(
        package(name, &objects).expect("packs").archive,
        flow.archive
    );
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(flow.archive.as_slice()));
    let mut seen = Vec::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        let path = entry.path().expect("path").display().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read");
        seen.push((path, content.len()));
    }
    assert_eq!(
        seen,
        vec![
            ("Base_0.xml".into(), 700),
            ("Base_1.xml".into(), 701),
            ("Base_2.xml".into(), 702)
        ]
    );
}

#[test]
fn packaging_refuses_what_the_ppf_refuses() {
    let name = FlowName {
        interface: InterfaceCode::F10,
        application_code: app(),
        sequence: 1,
    };
    assert!(matches!(package(name, &[]), Err(FlowError::Empty)));
    let too_many: Vec<_> = (0..101)
        .map(|n| object(InterfaceCode::F10, n, 10, None))
        .collect();
    assert!(matches!(
        package(name, &too_many),
        Err(FlowError::TooManyObjects { max: 100, .. })
    ));
    let wrong = [object(InterfaceCode::F1Cii, 0, 10, None)];
    assert!(matches!(
        package(name, &wrong),
        Err(FlowError::WrongInterface { .. })
    ));
    let dup = [
        object(InterfaceCode::F10, 0, 10, None),
        object(InterfaceCode::F10, 0, 10, None),
    ];
    assert!(matches!(
        package(name, &dup),
        Err(FlowError::DuplicateFileName(_))
    ));
    let empty = [object(InterfaceCode::F10, 0, 0, None)];
    assert!(matches!(
        package(name, &empty),
        Err(FlowError::EmptyFile(_))
    ));
    let big = FlowObject {
        content: vec![0; MAX_FILE_BYTES as usize + 1],
        ..object(InterfaceCode::F10, 0, 0, None)
    };
    assert!(matches!(
        package(name, &[big]),
        Err(FlowError::FileTooLarge { .. })
    ));
}

#[test]
fn batcher_closes_on_count() {
    let mut b = Batcher::new(BatchPolicy::default());
    let mut closed = Vec::new();
    for n in 0..2500 {
        closed.extend(
            b.push(object(InterfaceCode::F1Ubl, n, 100, None), t(0))
                .expect("push"),
        );
    }
    assert_eq!(closed.len(), 2);
    assert!(
        closed
            .iter()
            .all(|c| c.objects.len() == 1000 && c.reason == CloseReason::Full)
    );
    assert_eq!(b.pending_objects(), 500);
    assert_eq!(b.flush()[0].objects.len(), 500);
    assert_eq!(b.pending_objects(), 0);
}

#[test]
fn batcher_closes_on_size() {
    let policy = BatchPolicy {
        max_flow_bytes: 10 * 1024,
        ..BatchPolicy::default()
    };
    let mut b = Batcher::new(policy);
    let mut closed = Vec::new();
    for n in 0..10 {
        closed.extend(
            b.push(object(InterfaceCode::F1Cii, n, 2000, None), t(0))
                .expect("push"),
        );
    }
    assert!(!closed.is_empty());
    for c in &closed {
        assert_eq!(c.reason, CloseReason::Size);
        let bytes: u64 = 1024 + c.objects.iter().map(FlowObject::tar_bytes).sum::<u64>();
        assert!(bytes <= policy.max_flow_bytes, "{bytes}");
    }
}

#[test]
fn batcher_closes_on_age_and_due_time() {
    let mut b = Batcher::new(BatchPolicy::default());
    b.push(object(InterfaceCode::F1Ubl, 0, 10, None), t(0))
        .expect("push");
    b.push(object(InterfaceCode::F1Ubl, 1, 10, None), t(1800))
        .expect("push");
    assert!(b.poll(t(3599)).is_empty());
    assert_eq!(b.next_deadline(), Some(t(3600)));
    let out = b.poll(t(3600));
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].reason, out[0].objects.len()), (CloseReason::Age, 2));

    // A status set 23 hours ago is due in one hour: inside the two-hour margin.
    b.push(object(InterfaceCode::F6Invoice, 2, 10, Some(t(3600))), t(0))
        .expect("push");
    let out = b.poll(t(10));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].reason, CloseReason::Due);
    assert!(b.poll(t(100_000)).is_empty());
    assert_eq!(b.next_deadline(), None);
}
