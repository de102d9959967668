//! Named background jobs: reapers today; GC, retention, advisory re-evaluation and replication later.
//!
//! A [`Job`] says what one run does ([`Job::run_once`]) and how often it is due. A [`JobRunner`]
//! ticks each job on its schedule, but runs it only after claiming it through [`JobClaims`]: a lease
//! row in the metadata store, taken when the job is due and nobody holds a live lease. So with several
//! nodes on one PostgreSQL database exactly one of them runs a job per period; a node killed mid-run
//! stops renewing its lease, and once it expires the next due tick on another node takes over. On
//! SQLite (one node) the claim always succeeds.
//!
//! Time is the runner's [`Clock`]: tests tick jobs by hand and move time instead of sleeping.

use crate::Result;
use crate::clock::{Clock, millis};
use crate::meta::Millis;
use async_trait::async_trait;
use futures_util::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    /// Items handled (uploads reaped, blobs collected, …).
    pub items: u64,
}

/// What a run reports for the job's counters.
pub trait Reported {
    fn items(&self) -> u64;
}

impl Reported for RunReport {
    fn items(&self) -> u64 {
        self.items
    }
}

impl<T> Reported for (T, RunReport) {
    fn items(&self) -> u64 {
        self.1.items
    }
}

/// Handed to a running job: whether to stop early, and where to count progress.
#[derive(Debug, Clone)]
pub struct RunContext {
    cancel: watch::Receiver<bool>,
    progress: Arc<AtomicU64>,
}

impl RunContext {
    /// True once the runner is shutting down: a long job stops at its next safe point.
    pub fn is_cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    /// Counts `n` more items done (shown on `/metrics` while the job runs).
    pub fn advance(&self, n: u64) {
        self.progress.fetch_add(n, Ordering::Relaxed);
    }
}

#[async_trait]
pub trait Job: Send + Sync {
    /// Stable, unique: the lease and the metrics are keyed by it.
    fn name(&self) -> &'static str;
    /// How often the job is due.
    fn interval(&self) -> Duration;
    async fn run_once(&self, ctx: &RunContext) -> Result<RunReport>;
}

/// The lease that lets one node at a time run a job (implemented by the metadata store).
#[async_trait]
pub trait JobClaims: Send + Sync {
    /// Takes `job` for `holder` until `lease_until` when no live lease is held (`lease_until <= now`)
    /// and it is due (`due_at <= now`, or `force`), and makes it due next at `next_due`. Atomic: of
    /// concurrent claims, at most one succeeds.
    async fn claim_job(
        &self,
        job: &str,
        holder: &str,
        now: Millis,
        lease_until: Millis,
        next_due: Millis,
        force: bool,
    ) -> Result<bool>;
    /// Extends a lease `holder` still holds; false when it was lost.
    async fn renew_job(&self, job: &str, holder: &str, lease_until: Millis) -> Result<bool>;
    /// Ends a lease early (the run is over); the job stays not due until its next due time.
    async fn release_job(&self, job: &str, holder: &str) -> Result<()>;
}

/// Counters of one job on this node.
#[derive(Debug, Default, Clone)]
pub struct JobStat {
    pub runs_ok: u64,
    pub runs_failed: u64,
    pub items_total: u64,
    pub last_started_at: Option<Millis>,
    pub last_duration: Option<Duration>,
    pub running: bool,
    /// Items done by the run in progress.
    pub progress: u64,
}

/// The interval of a job that runs only when asked.
pub const UNSCHEDULED: Duration = Duration::MAX;

/// How long a claim holds without renewal: a node killed mid-run frees its jobs after this.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

pub struct JobRunner {
    node: String,
    claims: Arc<dyn JobClaims>,
    clock: Arc<dyn Clock>,
    jobs: Vec<Arc<dyn Job>>,
    lease: Duration,
    stats: Mutex<BTreeMap<&'static str, JobStat>>,
    progress: Mutex<BTreeMap<&'static str, Arc<AtomicU64>>>,
    cancel: watch::Sender<bool>,
}

impl JobRunner {
    /// `node` names this process in leases (unique per node).
    pub fn new(node: impl Into<String>, claims: Arc<dyn JobClaims>, clock: Arc<dyn Clock>) -> Self {
        Self {
            node: node.into(),
            claims,
            clock,
            jobs: Vec::new(),
            lease: DEFAULT_LEASE,
            stats: Mutex::default(),
            progress: Mutex::default(),
            cancel: watch::channel(false).0,
        }
    }

    pub fn with_job(mut self, job: Arc<dyn Job>) -> Self {
        lock(&self.stats).insert(job.name(), JobStat::default());
        self.jobs.push(job);
        self
    }

    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    pub fn job_names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|j| j.name()).collect()
    }

    /// Every job's counters, with the progress of runs in flight.
    pub fn stats(&self) -> BTreeMap<&'static str, JobStat> {
        let mut stats = lock(&self.stats).clone();
        for (name, progress) in lock(&self.progress).iter() {
            if let Some(stat) = stats.get_mut(name) {
                stat.progress = progress.load(Ordering::Relaxed);
            }
        }
        stats
    }

    /// One scheduled tick of `name`: runs it here if it is due and no node holds it. `None` when it
    /// did not run here.
    pub async fn tick(&self, name: &str) -> Result<Option<RunReport>> {
        self.run_claimed(name, false).await
    }

    /// Runs `name` now, due or not (still never beside another node's run of it).
    pub async fn run_now(&self, name: &str) -> Result<Option<RunReport>> {
        self.run_claimed(name, true).await
    }

    async fn run_claimed(&self, name: &str, force: bool) -> Result<Option<RunReport>> {
        let job = self.job(name)?.clone();
        let name = job.name();
        let outcome = self.exclusive(name, force, |ctx| Box::pin(async move { job.run_once(&ctx).await })).await;
        if let Ok(Some(report)) = &outcome
            && report.items > 0
        {
            tracing::info!(job = name, items = report.items, "job run");
        }
        outcome
    }

    /// Runs `run` as a run of the registered job `name` (due or not, as [`Self::run_now`]), for work
    /// that needs the job's exclusivity with other parameters: `arca gc run --grace 0s`. `None`
    /// when another node (or this one) is running it.
    pub async fn run_exclusive<T: Send + 'static>(
        &self,
        name: &str,
        run: impl FnOnce(RunContext) -> BoxFuture<'static, Result<(T, RunReport)>> + Send,
    ) -> Result<Option<T>> {
        let name = self.job(name)?.name();
        Ok(self.exclusive(name, true, run).await?.map(|(value, _)| value))
    }

    /// Claims `name`, runs `run` while renewing the lease, releases it, and counts the run.
    async fn exclusive<T: Reported + Send + 'static>(
        &self,
        name: &'static str,
        force: bool,
        run: impl FnOnce(RunContext) -> BoxFuture<'static, Result<T>> + Send,
    ) -> Result<Option<T>> {
        let job = self.job(name)?;
        let now = self.clock.now();
        let next_due = now.saturating_add(millis(job.interval()));
        let lease_until = now.saturating_add(millis(self.lease));
        if !self.claims.claim_job(name, &self.node, now, lease_until, next_due, force).await? {
            return Ok(None);
        }
        let progress = Arc::new(AtomicU64::new(0));
        lock(&self.progress).insert(name, progress.clone());
        self.update(name, |s| {
            s.running = true;
            s.last_started_at = Some(now);
        });
        let started = std::time::Instant::now();
        let ctx = RunContext { cancel: self.cancel.subscribe(), progress };
        let outcome = self.run_renewing(name, run(ctx)).await;
        if let Err(e) = self.claims.release_job(name, &self.node).await {
            tracing::warn!(job = name, error = %e, "releasing a job lease (it expires by itself)");
        }
        lock(&self.progress).remove(name);
        self.update(name, |s| {
            s.running = false;
            s.last_duration = Some(started.elapsed());
            match &outcome {
                Ok(value) => {
                    s.runs_ok += 1;
                    s.items_total += value.items();
                }
                Err(_) => s.runs_failed += 1,
            }
        });
        match outcome {
            Ok(value) => Ok(Some(value)),
            Err(e) => {
                tracing::warn!(job = name, error = %e, "job failed");
                Err(e)
            }
        }
    }

    /// Runs a job's future, renewing the lease every third of its length while it runs. The renewals
    /// are a future of their own, polled beside the run: a renewal waiting on the database never stops
    /// the run from being polled (the run may hold what the renewal waits for, such as the SQLite WAL
    /// sync, and awaiting a renewal inside a `select!` arm would deadlock them).
    async fn run_renewing<T>(&self, name: &str, run: BoxFuture<'static, Result<T>>) -> Result<T> {
        let renewing = async {
            let mut renew = tokio::time::interval((self.lease / 3).max(Duration::from_millis(10)));
            renew.tick().await;
            loop {
                renew.tick().await;
                let until = self.clock.now().saturating_add(millis(self.lease));
                match self.claims.renew_job(name, &self.node, until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = name, "job lease lost: another node may run it too"),
                    Err(e) => tracing::warn!(job = name, error = %e, "renewing a job lease"),
                }
            }
        };
        tokio::select! {
            outcome = run => outcome,
            never = renewing => never,
        }
    }

    /// Ticks every job on its schedule until `stop` turns true; a job running then is asked to stop
    /// (its context says cancelled) and waited for. A job whose interval is [`UNSCHEDULED`] is never
    /// ticked (it runs only when asked: [`Self::run_now`], [`Self::run_exclusive`]).
    pub async fn run(self: Arc<Self>, stop: watch::Receiver<bool>) {
        let loops = self.jobs.iter().filter(|job| job.interval() != UNSCHEDULED).map(|job| {
            let runner = self.clone();
            let name = job.name();
            let period = job.interval().min(Duration::from_secs(10));
            let mut stop = stop.clone();
            async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(period) => {}
                        _ = stop.wait_for(|s| *s) => break,
                    }
                    // A failure is counted and logged; the next tick tries again.
                    let _ = runner.tick(name).await;
                }
            }
        });
        let mut watcher = stop.clone();
        let cancel = async {
            let _ = watcher.wait_for(|s| *s).await;
            let _ = self.cancel.send(true);
        };
        tokio::join!(futures_util::future::join_all(loops), cancel);
    }

    fn job(&self, name: &str) -> Result<&Arc<dyn Job>> {
        self.jobs
            .iter()
            .find(|j| j.name() == name)
            .ok_or_else(|| crate::Error::new(crate::ErrorKind::NotFound, format!("no job named {name}")))
    }

    fn update(&self, name: &'static str, change: impl FnOnce(&mut JobStat)) {
        change(lock(&self.stats).entry(name).or_default());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    /// Leases in memory, with the same semantics as the SQL ones.
    #[derive(Default)]
    struct MemoryClaims(Mutex<BTreeMap<String, (String, Millis, Millis)>>);

    #[async_trait]
    impl JobClaims for MemoryClaims {
        async fn claim_job(
            &self,
            job: &str,
            holder: &str,
            now: Millis,
            lease: Millis,
            due: Millis,
            force: bool,
        ) -> Result<bool> {
            let mut rows = lock(&self.0);
            let row = rows.entry(job.to_owned()).or_insert((String::new(), 0, 0));
            if row.1 > now || (row.2 > now && !force) {
                return Ok(false);
            }
            *row = (holder.to_owned(), lease, due);
            Ok(true)
        }
        async fn renew_job(&self, job: &str, holder: &str, lease: Millis) -> Result<bool> {
            let mut rows = lock(&self.0);
            match rows.get_mut(job) {
                Some(row) if row.0 == holder => {
                    row.1 = lease;
                    Ok(true)
                }
                _ => Ok(false),
            }
        }
        async fn release_job(&self, job: &str, holder: &str) -> Result<()> {
            if let Some(row) = lock(&self.0).get_mut(job).filter(|r| r.0 == holder) {
                row.1 = 0;
            }
            Ok(())
        }
    }

    struct Counting(AtomicU64);

    #[async_trait]
    impl Job for Counting {
        fn name(&self) -> &'static str {
            "count"
        }
        fn interval(&self) -> Duration {
            Duration::from_secs(60)
        }
        async fn run_once(&self, ctx: &RunContext) -> Result<RunReport> {
            self.0.fetch_add(1, Ordering::SeqCst);
            ctx.advance(3);
            Ok(RunReport { items: 3 })
        }
    }

    #[tokio::test]
    async fn a_job_runs_once_per_period_and_counts_its_runs() {
        let clock = ManualClock::new();
        let job = Arc::new(Counting(AtomicU64::new(0)));
        let runner = JobRunner::new("a", Arc::new(MemoryClaims::default()), clock.clone()).with_job(job.clone());
        assert_eq!(runner.tick("count").await.unwrap(), Some(RunReport { items: 3 }));
        assert_eq!(runner.tick("count").await.unwrap(), None, "not due again within its period");
        assert!(runner.run_now("count").await.unwrap().is_some(), "unless asked to run now");
        clock.advance(Duration::from_secs(60));
        assert!(runner.tick("count").await.unwrap().is_some());
        assert_eq!(job.0.load(Ordering::SeqCst), 3);
        let stats = &runner.stats()["count"];
        assert_eq!((stats.runs_ok, stats.items_total, stats.running), (3, 9, false));
        assert!(runner.tick("nope").await.is_err());
    }

    /// Leases whose renewal needs a lock the running job holds across an await (as a commit waits for
    /// the WAL sync another commit is doing).
    struct LockedClaims(Arc<tokio::sync::Mutex<()>>, MemoryClaims);

    #[async_trait]
    impl JobClaims for LockedClaims {
        async fn claim_job(
            &self,
            job: &str,
            holder: &str,
            now: Millis,
            lease: Millis,
            due: Millis,
            force: bool,
        ) -> Result<bool> {
            self.1.claim_job(job, holder, now, lease, due, force).await
        }
        async fn renew_job(&self, job: &str, holder: &str, lease: Millis) -> Result<bool> {
            let _held = self.0.lock().await;
            self.1.renew_job(job, holder, lease).await
        }
        async fn release_job(&self, job: &str, holder: &str) -> Result<()> {
            self.1.release_job(job, holder).await
        }
    }

    struct HoldsTheLock(Arc<tokio::sync::Mutex<()>>);

    #[async_trait]
    impl Job for HoldsTheLock {
        fn name(&self) -> &'static str {
            "holds"
        }
        fn interval(&self) -> Duration {
            Duration::from_secs(60)
        }
        async fn run_once(&self, _: &RunContext) -> Result<RunReport> {
            for _ in 0..5 {
                let _held = self.0.lock().await;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            Ok(RunReport { items: 1 })
        }
    }

    #[tokio::test]
    async fn a_renewal_waiting_on_what_the_job_holds_does_not_stall_the_job() {
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        let claims = Arc::new(LockedClaims(lock.clone(), MemoryClaims::default()));
        let runner = JobRunner::new("a", claims, ManualClock::new())
            .with_job(Arc::new(HoldsTheLock(lock)))
            .with_lease(Duration::from_millis(30));
        let ran = tokio::time::timeout(Duration::from_secs(10), runner.run_now("holds")).await;
        assert_eq!(ran.expect("no deadlock").unwrap(), Some(RunReport { items: 1 }));
    }

    #[tokio::test]
    async fn run_stops_its_loops_on_shutdown() {
        let runner = Arc::new(JobRunner::new("a", Arc::new(MemoryClaims::default()), ManualClock::new()));
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(runner.run(stopped));
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), running).await.expect("stops").unwrap();
    }
}
