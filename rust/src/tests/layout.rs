//! Test 2: three distinct mappings, all `---p` at rest; the data page is
//! locked (`lo`) and excluded from core dumps (`dd`).

use super::vma_at;
use crate::Secret;

#[test]
fn three_distinct_mappings_locked_and_dontdump() {
    let s = Secret::new(b"layout test secret").unwrap();
    let (base, pg, _) = s.layout();
    let guard_lo = vma_at(base).expect("leading guard mapped");
    let data = vma_at(base + pg).expect("data page mapped");
    let guard_hi = vma_at(base + 2 * pg).expect("trailing guard mapped");

    // Distinct: the data page is a mapping of its own, and the guards are
    // outside it. (A guard may merge with a neighbouring PROT_NONE mapping
    // of another Secret; it can never merge with the data page.)
    assert_eq!(
        (data.start, data.end),
        (base + pg, base + 2 * pg),
        "{data:?}"
    );
    assert_eq!(guard_lo.end, base + pg, "{guard_lo:?}");
    assert_eq!(guard_hi.start, base + 2 * pg, "{guard_hi:?}");

    for vma in [&guard_lo, &data, &guard_hi] {
        assert_eq!(vma.perms, "---p", "at rest: {vma:?}");
    }
    assert!(
        data.flags.iter().any(|f| f == "lo"),
        "data VmFlags {:?}",
        data.flags
    );
    assert!(
        data.flags.iter().any(|f| f == "dd"),
        "data VmFlags {:?}",
        data.flags
    );
    assert!(
        !guard_lo.flags.iter().any(|f| f == "lo"),
        "guard VmFlags {:?}",
        guard_lo.flags
    );
    assert!(
        !guard_hi.flags.iter().any(|f| f == "lo"),
        "guard VmFlags {:?}",
        guard_hi.flags
    );
    s.destroy().unwrap();
}

#[test]
fn open_makes_only_the_data_page_readable() {
    let s = Secret::new(b"layout test secret").unwrap();
    let (base, pg, _) = s.layout();
    let opened = s.open().unwrap();
    assert_eq!(vma_at(base + pg).unwrap().perms, "r--p");
    assert_eq!(vma_at(base).unwrap().perms, "---p");
    assert_eq!(vma_at(base + 2 * pg).unwrap().perms, "---p");
    opened.close().unwrap();
    assert_eq!(vma_at(base + pg).unwrap().perms, "---p");
    assert_eq!(s.open_transitions(), 1);
    s.destroy().unwrap();
}
