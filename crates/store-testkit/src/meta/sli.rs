//! The SLI history: points per resolution and series, a step's point replaced by a later sample,
//! read back in order from a time on, and pruned before a time.

use super::*;
use arca_core::sli::{Resolution, SliPoint};

fn point(series: &str, at: Millis, value: f64) -> SliPoint {
    SliPoint { series: series.to_owned(), at, value }
}

pub(super) async fn sli_points_are_replaced_per_step_read_in_order_and_pruned(store: &dyn MetaStore) {
    let values = |publishes: f64, rate: f64| vec![("publishes".to_owned(), publishes), ("success".to_owned(), rate)];
    store.record_sli(Resolution::Minute, T0 + 60_000, &values(3.0, 99.125)).await.unwrap();
    store.record_sli(Resolution::Minute, T0, &values(1.0, 100.0)).await.unwrap();
    store.record_sli(Resolution::Hour, T0, &values(1.0, 100.0)).await.unwrap();
    store.record_sli(Resolution::Hour, T0, &values(4.0, 87.5)).await.unwrap();
    assert_eq!(
        store.sli_points(Resolution::Minute, T0).await.unwrap(),
        [
            point("publishes", T0, 1.0),
            point("publishes", T0 + 60_000, 3.0),
            point("success", T0, 100.0),
            point("success", T0 + 60_000, 99.125)
        ],
        "by series, oldest first, thousandths kept"
    );
    assert_eq!(
        store.sli_points(Resolution::Hour, T0).await.unwrap(),
        [point("publishes", T0, 4.0), point("success", T0, 87.5)],
        "the step's last sample replaced the first; the minutes are apart"
    );
    assert_eq!(store.sli_points(Resolution::Minute, T0 + 1).await.unwrap().len(), 2, "from a time on");
    assert_eq!(store.prune_sli(Resolution::Minute, T0 + 60_000).await.unwrap(), 2);
    assert_eq!(
        store.sli_points(Resolution::Minute, 0).await.unwrap(),
        [point("publishes", T0 + 60_000, 3.0), point("success", T0 + 60_000, 99.125)]
    );
    assert_eq!(store.sli_points(Resolution::Hour, 0).await.unwrap().len(), 2, "other resolutions untouched");
}
