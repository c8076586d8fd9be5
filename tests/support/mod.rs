//! What every browser test file shares.

/// Lets yew finish: renders, effects and whatever they schedule. yew's
/// scheduler yields to the browser every 16 ms, so under load one zero-delay
/// timeout can fire mid-render; `flush` waits until the scheduler is idle.
pub async fn settle() {
    yew::scheduler::flush().await;
}
