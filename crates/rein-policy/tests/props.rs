//! Property tests at the decision level: whatever the input, the gate never panics, never
//! answers allow for a command it could not parse, and stays within its time budget.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use rein_policy::{Answer, Call, Limits, Place, Policies, PolicySource, Principal, decide};
use serde_json::{Value, json};

fn policies() -> &'static Policies {
    static P: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
    P.get_or_init(|| Policies::load(&PolicySource::builtin(), &[]).expect("built-in loads"))
}

fn place() -> Place {
    rein_policy::cases_place()
}

fn decide_tool(
    tool: &str,
    input: &Value,
) -> Result<rein_policy::Decision, rein_policy::PolicyError> {
    let place = place();
    let principal = Principal {
        human: "dev@example.com".into(),
        agent: "claude-code".into(),
        session: "props".into(),
    };
    let action = rein_agents::claude_code::tools::normalize(tool, input);
    decide(
        policies(),
        &Call {
            tool,
            input,
            action: &action,
            place: &place,
            principal: &principal,
            environment: "local",
            permission_mode: "default",
            task: None,
        },
        &Limits::default(),
    )
}

/// Shell-ish text: the characters that make parsers work hardest.
fn shellish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("rm".to_owned()),
            Just(" -rf ".to_owned()),
            Just("/".to_owned()),
            Just("~".to_owned()),
            Just("$(".to_owned()),
            Just(")".to_owned()),
            Just("`".to_owned()),
            Just("'".to_owned()),
            Just("\"".to_owned()),
            Just("|".to_owned()),
            Just(";".to_owned()),
            Just("&&".to_owned()),
            Just("<<EOF\n".to_owned()),
            Just("\nEOF\n".to_owned()),
            Just("bash -c ".to_owned()),
            Just("eval ".to_owned()),
            Just("${x".to_owned()),
            Just("}".to_owned()),
            Just("{".to_owned()),
            Just("(".to_owned()),
            Just("\\".to_owned()),
            Just("$'\\x72'".to_owned()),
            Just(" .env ".to_owned()),
            "[a-z]{1,6}".prop_map(|s| s),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// The parser panics on this input (brush-parser 0.4.0): the gate must still not allow it.
#[test]
fn regression_the_parser_panicked_in_the_property_oracle_on_a_heredoc_in_a_substitution() {
    let cmd = "''\nEOF\n$'\\x72'$(<<EOF\n)\nEOF\n";
    assert!(!rein_shell::parses(cmd));
    if let Ok(d) = decide_tool("Bash", &json!({ "command": cmd })) {
        assert_ne!(d.answer, Answer::Allow, "{cmd} -> {}", d.reason);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn unparsable_commands_are_never_allowed(cmd in shellish()) {
        let started = Instant::now();
        let result = decide_tool("Bash", &json!({ "command": cmd }));
        prop_assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        if !rein_shell::parses(&cmd) {
            // An error is a deny at the gate; a decision must not be allow.
            if let Ok(d) = result {
                prop_assert_ne!(d.answer, Answer::Allow, "{} -> {}", cmd, d.reason);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(cmd in any::<String>()) {
        let _ = decide_tool("Bash", &json!({ "command": cmd }));
    }

    #[test]
    fn arbitrary_tool_calls_never_panic(tool in "[A-Za-z_]{0,24}", key in "[a-z_]{0,12}", value in any::<String>()) {
        let input = json!({ key: value });
        let _ = decide_tool(&tool, &input);
        let _ = decide_tool(&tool, &Value::Null);
    }

    #[test]
    fn dotenv_reads_are_denied_wherever_they_are(dir in "[a-z]{1,8}(/[a-z]{1,8}){0,3}", suffix in "(|\\.local|\\.production|\\.dev|\\.test)") {
        let path = format!("/home/dev/project/{dir}/.env{suffix}");
        let d = decide_tool("Read", &json!({ "file_path": path })).expect("decides");
        prop_assert_eq!(d.answer, Answer::Deny);
        let example = format!("/home/dev/project/{dir}/.env.example");
        let d = decide_tool("Read", &json!({ "file_path": example })).expect("decides");
        prop_assert_eq!(d.answer, Answer::Allow);
    }
}

#[test]
fn a_missing_command_field_is_never_allowed() {
    for input in [
        json!({}),
        json!({"command": 7}),
        Value::Null,
        json!("rm -rf /"),
    ] {
        let d = decide_tool("Bash", &input).expect("decides");
        assert_ne!(d.answer, Answer::Allow, "{input}");
    }
}
