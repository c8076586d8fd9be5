//! Browser tests of the postMessage API's conversions (headless Chromium,
//! wasm-bindgen-test): real JavaScript objects in, plain objects out.
#![cfg(target_arch = "wasm32")]

use causal_core::{Report, Scenario, Simulation};
use causal_playground::browser::post_message::{check_seek, read, scenario_text, Reply, Request};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A JavaScript value from its source, as an embedding page would write it.
fn js(source: &str) -> JsValue {
    js_sys::eval(&format!("({source})")).expect("valid JavaScript")
}

#[wasm_bindgen_test]
fn messages_not_for_us_are_ignored() {
    for source in [
        "'load'",
        "42",
        "null",
        "{}",
        "{type: 'webpackOk'}",
        "{causal: 3}",
        "{causal: 'state', step: 1, report: {}}",
        "{causal: 'error', error: 'x', request: 'seek'}",
    ] {
        assert!(read(&js(source)).is_none(), "{source} is not for us");
    }
}

#[wasm_bindgen_test]
fn requests_are_read_from_plain_objects() {
    assert_eq!(
        read(&js("{causal: 'seek', step: 3}")),
        Some(Ok(Request::Seek { step: 3 }))
    );
    let Some(Ok(Request::Load { scenario })) = read(&js(
        "{causal: 'load', scenario: {version: 1, replicas: 2, delivery: 'causal', conflicts: 'overwrite', steps: [{op: 'write', replica: 0, key: 'x', value: '1'}]}}",
    )) else {
        panic!("a load is read");
    };
    let text = scenario_text(&scenario).expect("a good scenario");
    let parsed = Scenario::parse(&text).unwrap();
    assert_eq!((parsed.replicas, parsed.steps.len()), (2, 1));
}

#[wasm_bindgen_test]
fn bad_requests_say_what_is_wrong() {
    let refused = |source: &str| match read(&js(source)) {
        Some(Err((why, kind))) => (why, kind),
        other => panic!("{source} should be refused, not {other:?}"),
    };
    let (why, kind) = refused("{causal: 'jump', step: 3}");
    assert_eq!(kind, "jump");
    assert!(
        why.contains("no \"jump\" message") && why.contains("\"seek\""),
        "{why}"
    );
    // In the page's words, never serde's ("missing field", "expected usize").
    let (why, _) = refused("{causal: 'seek'}");
    assert_eq!(
        why,
        "The \"seek\" message was refused: it has no \"step\" (the timeline\u{2019}s position, from 0)."
    );
    let (why, _) = refused("{causal: 'seek', step: 'three'}");
    assert_eq!(
        why,
        "The \"seek\" message was refused: its \"step\" must be a whole number of steps, from 0, not the text \"three\"."
    );
    let (why, _) = refused("{causal: 'seek', step: -1}");
    assert!(why.ends_with("from 0, not -1."), "{why}");
    let (why, _) = refused("{causal: 'seek', step: 2.5}");
    assert!(why.ends_with("from 0, not 2.5."), "{why}");
    let (why, _) = refused("{causal: 'seek', step: 3, speed: 2}");
    assert_eq!(
        why,
        "The \"seek\" message was refused: it has a field \"speed\" the playground does not know (a \"seek\" message has \"causal\" and \"step\")."
    );
    let (why, _) = refused("{causal: 'load'}");
    assert!(why.contains("it has no \"scenario\""), "{why}");

    let Some(Ok(Request::Load { scenario })) = read(&js(
        "{causal: 'load', scenario: {version: 1, replicas: 9, steps: []}}",
    )) else {
        panic!("the shape of a load is right");
    };
    let why = scenario_text(&scenario).unwrap_err();
    assert_eq!(
        why,
        "The \"load\" message was refused: replicas must be 2 to 8, not 9."
    );
    let Some(Ok(Request::Load { scenario })) = read(&js(
        "{causal: 'load', scenario: {version: 1, replicas: 3, steps: [{op: 'deliver', message: 7, to: 1}]}}",
    )) else {
        panic!("the shape of a load is right");
    };
    let why = scenario_text(&scenario).unwrap_err();
    assert!(why.contains("step 1"), "{why}");

    let why = check_seek(12, 10, None).unwrap_err();
    assert!(
        why.contains("step 12 is outside the timeline, which goes from 0 to 10"),
        "{why}"
    );
    assert!(check_seek(1, 10, Some((2, 5))).is_err());
    assert!(check_seek(5, 10, Some((2, 5))).is_ok());
}

/// A load refused before the page plays anything: `scenario`'s source, and
/// what the refusal must say.
fn refused_load(source: &str) -> String {
    let Some(Ok(Request::Load { scenario })) = read(&js(source)) else {
        panic!("the shape of a load is right: {source}");
    };
    scenario_text(&scenario).unwrap_err()
}

#[wasm_bindgen_test]
fn a_scenario_that_holds_itself_or_nests_deep_is_refused_before_it_is_converted() {
    // An object that holds itself: followed without a bound, it overflows the stack.
    let why = refused_load(
        "(() => { const s = {version: 1, replicas: 3, steps: []}; s.again = s; return {causal: 'load', scenario: s}; })()",
    );
    assert!(
        why.starts_with(
            "The \"load\" message was refused: the scenario nests deeper than 32 levels"
        ),
        "{why}"
    );
    let why = refused_load(
        "(() => { let deep = []; for (let i = 0; i < 200000; i++) deep = [deep]; return {causal: 'load', scenario: {version: 1, steps: [], deep}}; })()",
    );
    assert!(why.contains("nests deeper than 32 levels"), "{why}");
    // A huge one: refused by its size, before it is written as JSON.
    let why = refused_load(
        "{causal: 'load', scenario: {version: 1, steps: [], pad: 'x'.repeat(2000000)}}",
    );
    assert!(
        why.contains("larger than a file the page imports (1,000,000 bytes at most)"),
        "{why}"
    );
    let why = refused_load("{causal: 'load', scenario: {version: 1, steps: new Array(5000000)}}");
    assert!(why.contains("larger than a file the page imports"), "{why}");
    // And the page's limits, as an import's: a long key, too many events.
    let why = refused_load(
        "{causal: 'load', scenario: {version: 1, steps: [{op: 'write', replica: 0, key: 'k'.repeat(40), value: '1'}]}}",
    );
    assert!(
        why.starts_with("The \"load\" message was refused: step 1"),
        "{why}"
    );
    let why = refused_load(
        "{causal: 'load', scenario: {version: 1, replicas: 8, steps: Array.from({length: 7000}, (_, i) => ({op: 'write', replica: i % 8, key: 'k', value: 'v'}))}}",
    );
    assert!(why.contains("more than 50,000 events"), "{why}");
}

#[wasm_bindgen_test]
fn the_state_goes_out_as_a_plain_object_with_the_report() {
    let scenario = Scenario::parse(
        r#"{"version":1,"replicas":2,"delivery":"causal","conflicts":"overwrite","steps":[{"op":"write","replica":0,"key":"x","value":"1"}]}"#,
    )
    .unwrap();
    let (simulation, _): (Simulation, _) = scenario.run().unwrap();
    let reply = Reply::State {
        step: 1,
        report: Report::of(&simulation),
    };
    let value = reply
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap();
    let text = js_sys::JSON::stringify(&value)
        .unwrap()
        .as_string()
        .unwrap();
    // A plain object (a Map would stringify as {}), with the state report.
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["causal"], "state");
    assert_eq!(json["step"], 1);
    assert!(
        json["report"]["replicas"][0]["store"]["x"].is_string()
            || json["report"]["replicas"][0]["store"]["x"].is_object()
    );
    assert_eq!(
        json["report"],
        serde_json::to_value(Report::of(&simulation)).unwrap()
    );
}
