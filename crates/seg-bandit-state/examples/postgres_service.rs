//! A tokio service that keeps its bandit state in PostgreSQL without
//! blocking its executor.
//!
//! `PostgresStore` is synchronous (one blocking connection per store, like
//! rusqlite): an async service keeps a small pool of stores and runs every
//! store call on tokio's blocking thread pool with
//! `tokio::task::spawn_blocking`. A semaphore with one permit per connection
//! bounds the blocking calls in flight, so requests queue asynchronously
//! instead of occupying blocking threads. (Calling the store directly on an
//! executor thread would stall every task on that thread for the length of a
//! round trip to the server — and the client's own runtime refuses to start
//! inside tokio's.)
//!
//! Run it against a server (see `.ci/postgres.sh`):
//!
//! ```text
//! eval "$(bash .ci/postgres.sh)"
//! cargo run -p seg-bandit-state --features postgres --example postgres_service
//! ```
//!
//! It serves 400 simulated visitors with 64 requests in flight over 4
//! connections, while a ticker task checks that the executor stays free.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use seg_bandit_state::{
    BanditError, Batch, BetaState, Experiment, PostgresStore, Prior, StateStore, ThompsonSampler,
};
use tokio::sync::Semaphore;

const EXPERIMENT: &str = "postgres-service-example";
const VARIANTS: [&str; 3] = ["control", "green", "blue"];
const SEGMENTS: [&str; 3] = ["mobile", "desktop", "tablet"];
/// Simulated conversion rates per variant.
const RATES: [f64; 3] = [0.04, 0.06, 0.05];
const CONNECTIONS: usize = 4;
const VISITORS: u64 = 400;
const IN_FLIGHT: usize = 64;

/// The connections of a [`Pool`]. A `PostgresStore` owns the small runtime
/// of its client, which tokio forbids dropping on an executor thread: the
/// last handle drops them on a plain thread of their own.
struct Stores(Mutex<Vec<PostgresStore>>);

impl Drop for Stores {
    fn drop(&mut self) {
        let stores = std::mem::take(self.0.get_mut().unwrap_or_else(|e| e.into_inner()));
        let _ = std::thread::spawn(move || drop(stores)).join();
    }
}

/// A fixed set of store connections shared by the async handlers.
#[derive(Clone)]
struct Pool {
    stores: Arc<Stores>,
    permits: Arc<Semaphore>,
}

impl Pool {
    fn new(stores: Vec<PostgresStore>) -> Self {
        let permits = Arc::new(Semaphore::new(stores.len()));
        Self {
            stores: Arc::new(Stores(Mutex::new(stores))),
            permits,
        }
    }

    /// Runs `f` with a store of the pool on tokio's blocking threads. Waits
    /// (asynchronously) for a free connection first.
    async fn run<T, F>(&self, f: F) -> Result<T, Box<dyn std::error::Error + Send + Sync>>
    where
        T: Send + 'static,
        F: FnOnce(&mut PostgresStore) -> Result<T, BanditError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await?;
        let stores = Arc::clone(&self.stores);
        let result = tokio::task::spawn_blocking(move || {
            // A permit guarantees a free store.
            let mut store = stores
                .0
                .lock()
                .map_err(|_| "a store call panicked")?
                .pop()
                .ok_or("no free connection although a permit was held")?;
            let result = f(&mut store);
            stores
                .0
                .lock()
                .map_err(|_| "a store call panicked")?
                .push(store);
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(result?)
        })
        .await??;
        Ok(result)
    }
}

/// One request: choose a variant for a visitor of `segment` by Thompson
/// sampling, then record whether the visitor converted.
async fn serve(
    pool: Pool,
    visitor: u64,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(visitor);
    let segment = SEGMENTS[rng.random_range(0..SEGMENTS.len())];
    let states = pool
        .run(
            move |store| match store.segment_states(EXPERIMENT, segment) {
                Ok(states) => Ok(states.iter().map(|s| s.state).collect::<Vec<_>>()),
                // A segment without outcomes yet: everyone starts at the prior.
                Err(BanditError::UnknownSegment { .. }) => {
                    Ok(vec![
                        BetaState::from_prior(Prior::uniform(),);
                        VARIANTS.len()
                    ])
                }
                Err(e) => Err(e),
            },
        )
        .await?;
    let variant = ThompsonSampler::new().choose(&states, &mut rng)?;
    let converted = rng.random_bool(RATES[variant]);
    let batch = Batch::new(
        segment,
        VARIANTS[variant],
        u64::from(converted),
        u64::from(!converted),
        i64::try_from(visitor)?,
    )?;
    pool.run(move |store| store.record(EXPERIMENT, &batch))
        .await?;
    Ok(variant)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let Ok(url) = std::env::var("SEG_POSTGRES_URL") else {
        println!(
            "SEG_POSTGRES_URL is not set: start a server with `eval \"$(bash .ci/postgres.sh)\"` \
             (or export the URL of your own) and run again"
        );
        return Ok(());
    };
    // Connecting is blocking too.
    let stores = tokio::task::spawn_blocking(move || {
        let mut stores = (0..CONNECTIONS)
            .map(|_| PostgresStore::connect(&url))
            .collect::<Result<Vec<_>, _>>()?;
        let experiment = Experiment::new(EXPERIMENT, VARIANTS, Prior::uniform())?;
        stores[0].create_experiment(&experiment)?;
        Ok::<_, BanditError>(stores)
    })
    .await??;
    let pool = Pool::new(stores);
    let before = pool.run(|store| store.event_count(EXPERIMENT)).await?;

    // A ticker that would fall behind if a store call blocked the executor.
    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = {
        let ticks = Arc::clone(&ticks);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(5));
            loop {
                interval.tick().await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let start = Instant::now();
    let requests = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut handles = Vec::new();
    for visitor in 0..VISITORS {
        let permit = Arc::clone(&requests).acquire_owned().await?;
        let pool = pool.clone();
        handles.push(tokio::spawn(async move {
            let served = serve(pool, visitor).await;
            drop(permit);
            served
        }));
    }
    let mut served = [0_u64; VARIANTS.len()];
    for handle in handles {
        served[handle.await??] += 1;
    }
    let elapsed = start.elapsed();
    ticker.abort();

    let after = pool.run(|store| store.event_count(EXPERIMENT)).await?;
    println!(
        "served {VISITORS} visitors in {:.0} ms ({:.0} requests/s) over {CONNECTIONS} connections",
        elapsed.as_secs_f64() * 1e3,
        VISITORS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "variants served: {:?}",
        VARIANTS.iter().zip(served).collect::<Vec<_>>()
    );
    println!(
        "the 5 ms ticker ticked {} times meanwhile (the executor was never blocked)",
        ticks.load(Ordering::Relaxed)
    );
    assert_eq!(after - before, VISITORS, "every request recorded once");
    println!("events of {EXPERIMENT:?}: {before} before, {after} after");
    Ok(())
}
