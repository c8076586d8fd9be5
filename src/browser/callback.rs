//! The one way a view turns an event into an action of a reducer.

use yew::prelude::*;

/// A callback that dispatches to `reducer` the action `f` makes of its
/// argument, if it makes one (as yew's function_todomvc does).
pub fn make_callback<R, E, A, F>(reducer: &UseReducerHandle<R>, f: F) -> Callback<E>
where
    R: Reducible + 'static,
    E: 'static,
    A: Into<Option<R::Action>>,
    F: Fn(E) -> A + 'static,
{
    let dispatcher = reducer.dispatcher();
    Callback::from(move |e: E| {
        if let Some(action) = f(e).into() {
            dispatcher.dispatch(action)
        }
    })
}
