//! Prints how long loading the policy takes, part by part (a diagnostic for the gate's latency).
use std::time::Instant;

use rein_policy::{Layer, Policies, PolicySource};

fn main() {
    let mut sources = PolicySource::builtin();
    let mut extra = String::new();
    for i in 0..100 {
        extra.push_str(&format!(
            "@id(\"team.path-{i}\")\n@ask(\"generated area {i}\")\nforbid (principal, action == Rein::Action::\"write\", resource is Rein::File)\nwhen {{ resource.rel like \"generated/area{i}/*\" }};\n"
        ));
    }
    sources.push(PolicySource {
        layer: Layer::Project,
        label: "team.cedar".into(),
        text: extra,
    });
    for _ in 0..3 {
        let t = Instant::now();
        let _schema = cedar_policy::Schema::from_cedarschema_str(rein_policy::load::SCHEMA_TEXT);
        let schema_t = t.elapsed();
        let t = Instant::now();
        for s in &sources {
            let _ = s.text.parse::<cedar_policy::PolicySet>();
        }
        let parse_t = t.elapsed();
        let t = Instant::now();
        let p = Policies::load(&sources, &[]).expect("loads");
        let load_t = t.elapsed();
        println!(
            "schema {schema_t:?} parse {parse_t:?} full load {load_t:?} ({} rules)",
            p.rules().len()
        );
    }
}
