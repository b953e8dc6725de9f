//! The page's state in Yew: the pure model and reducer of `crate::page`,
//! made [`Reducible`].

use std::rc::Rc;

use yew::Reducible;

pub use crate::page::{
    reduce, Action, Found, Opened, Params, Phase, Reading, RowsPage, Space, State, Tab, PAGE,
};

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        crate::web::profile::reduce(|| reduce(self, action))
    }
}
