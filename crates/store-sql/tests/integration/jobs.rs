//! Job leases on a real database: two runners (two nodes) on one PostgreSQL database run a job
//! exactly once per period; a runner killed mid-run loses its lease and another takes over.

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use arca_core::clock::ManualClock;
use arca_core::jobs::{Job, JobRunner, RunContext, RunReport};
use async_trait::async_trait;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const PERIOD: Duration = Duration::from_secs(60);
/// Longer than the period, so a job can be due while a dead node's lease is still live.
const LEASE: Duration = Duration::from_secs(120);

/// Counts its runs; optionally never finishes (to be killed mid-run).
struct Probe {
    runs: AtomicU64,
    hang: bool,
    started: tokio::sync::Notify,
}

impl Probe {
    fn new(hang: bool) -> Arc<Self> {
        Arc::new(Self { runs: AtomicU64::new(0), hang, started: tokio::sync::Notify::new() })
    }
}

#[async_trait]
impl Job for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn interval(&self) -> Duration {
        PERIOD
    }
    async fn run_once(&self, _: &RunContext) -> arca_core::Result<RunReport> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
        if self.hang {
            std::future::pending::<()>().await;
        }
        Ok(RunReport { items: 1 })
    }
}

fn runner(node: &str, store: arca_store_sql::SqlMetaStore, clock: &Arc<ManualClock>, job: Arc<Probe>) -> JobRunner {
    JobRunner::new(node, Arc::new(store), clock.clone()).with_job(job).with_lease(LEASE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_nodes_run_a_job_once_per_period() {
    let db = PgScratch::create().await;
    let clock = ManualClock::new();
    let job = Probe::new(false);
    let a = runner("node-a", postgres_store(&db).await, &clock, job.clone());
    let b = runner("node-b", postgres_store(&db).await, &clock, job.clone());
    for period in 1..=5 {
        let (ran_a, ran_b) = tokio::join!(a.tick("probe"), b.tick("probe"));
        let (ran_a, ran_b) = (ran_a.unwrap().is_some(), ran_b.unwrap().is_some());
        assert!(ran_a != ran_b, "exactly one node runs it (period {period}: a {ran_a}, b {ran_b})");
        let (again_a, again_b) = tokio::join!(a.tick("probe"), b.tick("probe"));
        assert!(again_a.unwrap().is_none() && again_b.unwrap().is_none(), "and only once per period");
        assert_eq!(job.runs.load(Ordering::SeqCst), period);
        clock.advance(PERIOD);
    }
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_node_killed_mid_run_loses_its_lease_to_another() {
    let db = PgScratch::create().await;
    let clock = ManualClock::new();
    let hanging = Probe::new(true);
    let a = Arc::new(runner("node-a", postgres_store(&db).await, &clock, hanging.clone()));
    let survivor = Probe::new(false);
    let b = runner("node-b", postgres_store(&db).await, &clock, survivor.clone());
    let killed = tokio::spawn({
        let a = a.clone();
        async move { a.tick("probe").await }
    });
    tokio::time::timeout(Duration::from_secs(10), hanging.started.notified()).await.expect("node a started the job");
    killed.abort();
    clock.advance(PERIOD);
    assert!(b.tick("probe").await.unwrap().is_none(), "due, but node a's lease is still live");
    clock.advance(LEASE - PERIOD);
    assert!(b.tick("probe").await.unwrap().is_some(), "the lease lapsed: node b takes over");
    assert_eq!(survivor.runs.load(Ordering::SeqCst), 1);
    db.drop().await;
}

#[tokio::test]
async fn sqlite_jobs_run_once_per_period_and_on_demand() {
    let file = SqliteFile::new();
    let clock = ManualClock::new();
    let job = Probe::new(false);
    let a = runner("only", sqlite_store(&file).await, &clock, job.clone());
    assert!(a.tick("probe").await.unwrap().is_some());
    assert!(a.tick("probe").await.unwrap().is_none(), "not due yet");
    assert!(a.run_now("probe").await.unwrap().is_some(), "a manual run does not wait for the schedule");
    clock.advance(PERIOD);
    assert!(a.tick("probe").await.unwrap().is_some());
    assert_eq!(job.runs.load(Ordering::SeqCst), 3);
}
