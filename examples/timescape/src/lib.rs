//! Handlers for the Timescape example: a to-do list over an in-memory store,
//! written once against the head version's types.
//!
//! Clients on 2024-01-01 and 2024-06-01 are served by the generated crate:
//! their requests are decoded and validated as their version's types and
//! converted forward to the head before a handler runs, and responses are
//! converted back. The only version-specific code here is the one change
//! gatic cannot derive: `Task.labels` went from a comma-separated string to a
//! list ([`Converters`]). `find_tasks`, removed in 2025-01-01, keeps its
//! handler (against the head's types) for the clients of earlier versions.
//!
//! Tasks are stored as `Arc<Task>` and answered as shared [`Reply`] values:
//! a head client's response is serialized from the stored task itself, and
//! only an older client's conversion copies it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use timescape_api::uuid::Uuid;
use timescape_api::{
    Api, CompleteTaskError, CompleteTaskRequest, Converters, CreateTaskError, CreateTaskRequest,
    Ctx, FindTasksError, FindTasksRequest, GetTaskError, GetTaskRequest, ListTasksError,
    ListTasksRequest, NotFound, Reply, Task, consts,
};

/// The example's state: tasks in creation order.
#[derive(Default)]
pub struct App {
    tasks: Mutex<BTreeMap<u64, Arc<Task>>>,
}

impl App {
    /// An empty list.
    pub fn new() -> App {
        App::default()
    }

    fn tasks(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Task>>> {
        // Every update is one insert, so a poisoned lock still guards consistent data.
        self.tasks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Api for App {
    async fn create_task(
        &self,
        _: &Ctx,
        request: CreateTaskRequest,
    ) -> Result<Reply<Task>, CreateTaskError> {
        let new = request.body;
        let task = Arc::new(Task {
            object: consts::Task,
            id: Uuid::from(timescape_api::runtime::Uuid::new_v4()),
            title: new.title,
            priority: new.priority,
            labels: new.labels,
            done: new.done,
            assignee: new.assignee,
        });
        let mut tasks = self.tasks();
        let key = tasks.len() as u64;
        tasks.insert(key, Arc::clone(&task));
        Ok(task.into())
    }

    async fn get_task(&self, _: &Ctx, request: GetTaskRequest) -> Result<Reply<Task>, GetTaskError> {
        let tasks = self.tasks();
        match tasks.values().find(|t| t.id == request.id) {
            Some(task) => Ok(Arc::clone(task).into()),
            None => Err(NotFound { id: request.id }.into()),
        }
    }

    async fn list_tasks(&self, _: &Ctx, _: ListTasksRequest) -> Result<Reply<Vec<Task>>, ListTasksError> {
        let tasks: Vec<Task> = self.tasks().values().map(|t| Task::clone(t)).collect();
        Ok(tasks.into())
    }

    async fn find_tasks(
        &self,
        _: &Ctx,
        request: FindTasksRequest,
    ) -> Result<Reply<Vec<Task>>, FindTasksError> {
        let wanted = request.label;
        let found: Vec<Task> = self
            .tasks()
            .values()
            .filter(|t| t.labels.iter().flatten().any(|l| *l == wanted))
            .map(|t| Task::clone(t))
            .collect();
        Ok(found.into())
    }

    async fn complete_task(
        &self,
        _: &Ctx,
        request: CompleteTaskRequest,
    ) -> Result<Reply<Task>, CompleteTaskError> {
        let mut tasks = self.tasks();
        match tasks.values_mut().find(|t| t.id == request.id) {
            Some(task) => {
                Arc::make_mut(task).done = true;
                Ok(Arc::clone(task).into())
            }
            None => Err(NotFound { id: request.id }.into()),
        }
    }
}

/// Before 2025-01-01, `labels` was one string, `"home,errand"`.
impl Converters for App {
    fn labels_from_csv(old: String) -> Vec<String> {
        if old.is_empty() {
            return Vec::new();
        }
        old.split(',').map(str::to_owned).collect()
    }

    fn labels_from_csv_backward(new: Vec<String>) -> String {
        new.join(",")
    }
}
