//! `htm gen-recalls`: loads deterministic synthetic recalls for `htm bench recall-match`
//! (BENCHMARKS.md, "Recall matching").

use anyhow::Context;
use htm_service::{Principal, Services};

pub async fn gen_recalls_cmd(s: &Services, count: u32, seed: u64) -> anyhow::Result<()> {
    if count == 0 {
        anyhow::bail!("--count must be at least 1");
    }
    let load = s.load_synthetic_recalls(&Principal::system(), count, seed).await.context("htm gen-recalls")?;
    s.checkpoint().await?;
    println!("{}", serde_json::to_string_pretty(&load)?);
    Ok(())
}
