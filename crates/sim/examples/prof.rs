fn main() {
    let s = sim::lab::kv_suite::SCENARIOS.iter().find(|s| s.name == "PersistPartitionUnreliableLinearizable3A").unwrap();
    for seed in 0..20 { (s.run)(seed).unwrap(); }
}
