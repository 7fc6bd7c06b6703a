//! The statements that write: INSERT (and its upserts), UPDATE, DELETE and MERGE. Each
//! statement's target is a source of its scope read only through the columns it names.

use super::{Source, Walker, merge};
use crate::sql::StatementKind;
use crate::sql::collect::{Collector, last, name};
use sqlparser::ast::{
    Assignment, AssignmentTarget, Delete, FromTable, Insert, Merge, MergeAction, MergeUpdateKind,
    ObjectName, OnConflict, OnConflictAction, OnInsert, SqliteOnConflict, TableObject, Update,
    UpdateTableFromKind,
};
use std::collections::{BTreeMap, BTreeSet};
use std::mem;

impl Walker {
    pub(super) fn insert(&mut self, insert: &Insert) -> StatementKind {
        // INSERT … SELECT does not see the target.
        if let Some(source) = &insert.source {
            self.query(source);
        }
        let mut collector = Collector::default();
        collector.visit(&insert.assignments);
        let (update, condition) = match &insert.on {
            Some(OnInsert::DuplicateKeyUpdate(assignments)) => (Some(assignments), None),
            Some(OnInsert::OnConflict(OnConflict {
                action: OnConflictAction::DoUpdate(update),
                ..
            })) => (Some(&update.assignments), update.selection.as_ref()),
            _ => (None, None),
        };
        if let Some(assignments) = update {
            collector.visit(assignments);
        }
        if let Some(condition) = condition {
            collector.visit(condition);
        }
        if let Some(returning) = &insert.returning {
            collector.visit_items(returning);
        }
        // REPLACE deletes the old row: columns it does not list go back to their defaults.
        let replace = insert.replace_into || insert.or == Some(SqliteOnConflict::Replace);
        let kind = match (replace, update) {
            (false, None) => StatementKind::Insert,
            _ => StatementKind::Upsert,
        };
        let listed = match (insert.columns.as_slice(), insert.assignments.as_slice()) {
            ([], []) => None,
            ([], assignments) => Some(assigned(assignments).filter_map(last).collect()),
            (columns, _) => Some(columns.iter().filter_map(last).collect()),
        };
        let written = listed.filter(|_| !replace).map(|mut columns: BTreeSet<_>| {
            columns.extend(assigned(update.into_iter().flatten()).filter_map(last));
            columns
        });
        let TableObject::TableName(object) = &insert.table else {
            return self.wrote(kind);
        };
        if let Some(table) = last(object) {
            let binding =
                (insert.table_alias.as_ref()).map_or_else(|| table.clone(), |a| name(&a.alias));
            let target = Source::new(Some(table.clone()), Some(binding), false);
            self.scopes.push(vec![target]);
            self.finish(collector, &BTreeSet::new(), None);
            merge(&mut self.writes, table, written, BTreeSet::new());
        }
        self.wrote(kind)
    }

    pub(super) fn update(&mut self, update: &Update) -> StatementKind {
        let mut collector = Collector::default();
        // The target comes first: factor 0.
        collector.visit(&update.table);
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) =
            &update.from
        {
            collector.visit(from);
        }
        for assignment in &update.assignments {
            collector.visit(&assignment.value);
        }
        collector.visit(&update.selection);
        if let Some(returning) = &update.returning {
            collector.visit_items(returning);
        }
        collector.visit(&update.order_by);
        collector.visit(&update.limit);
        let mut scope = self.sources(mem::take(&mut collector.factors));
        let target = scope.first_mut().and_then(|source| {
            source.listed = false;
            source.table.clone()
        });
        // A SET target writes the table its qualifier names (MySQL's multi-table UPDATE), the
        // target when bare.
        let mut written: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        written.extend(target.clone().map(|t| (t, BTreeSet::new())));
        for column in assigned(&update.assignments) {
            let parts = &column.0;
            let qualifier = (parts.len() >= 2)
                .then(|| parts[parts.len() - 2].as_ident().map(name))
                .flatten();
            let table = qualifier
                .and_then(|q| scope.iter().find(|s| s.binding.as_deref() == Some(&q)))
                .and_then(|s| s.table.clone())
                .or_else(|| target.clone());
            if let (Some(table), Some(column)) = (table, last(column)) {
                written.entry(table).or_default().insert(column);
            }
        }
        self.scopes.push(scope);
        self.finish(collector, &BTreeSet::new(), update.selection.as_ref());
        for (table, columns) in written {
            merge(&mut self.writes, table, Some(columns), BTreeSet::new());
        }
        self.wrote(StatementKind::Update)
    }

    pub(super) fn delete(&mut self, delete: &Delete) -> StatementKind {
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        let mut collector = Collector::default();
        // Each FROM entry's own relation: the targets unless `DELETE t1, t2 FROM …` names them.
        let mut relations = Vec::new();
        for entry in from {
            relations.push(collector.factors.len());
            collector.visit(entry);
        }
        collector.visit(&delete.using);
        collector.visit(&delete.selection);
        if let Some(returning) = &delete.returning {
            collector.visit_items(returning);
        }
        collector.visit(&delete.order_by);
        collector.visit(&delete.limit);
        let mut scope = self.sources(mem::take(&mut collector.factors));
        let mut targets = Vec::new();
        if delete.tables.is_empty() {
            for i in relations {
                if let Some(source) = scope.get_mut(i) {
                    source.listed = false;
                    targets.extend(source.table.clone());
                }
            }
        } else {
            for named in delete.tables.iter().filter_map(last) {
                match scope
                    .iter_mut()
                    .find(|s| s.binding.as_ref() == Some(&named))
                {
                    Some(source) => {
                        source.listed = false;
                        targets.extend(source.table.clone());
                    }
                    None => targets.push(named),
                }
            }
        }
        self.scopes.push(scope);
        self.finish(collector, &BTreeSet::new(), delete.selection.as_ref());
        for table in targets {
            merge(&mut self.writes, table, None, BTreeSet::new());
        }
        self.wrote(StatementKind::Delete)
    }

    pub(super) fn merge(&mut self, merge_into: &Merge) -> StatementKind {
        let mut collector = Collector::default();
        // The target comes first: factor 0.
        collector.visit(&merge_into.table);
        collector.visit(&merge_into.source);
        collector.visit(&merge_into.on);
        let mut written = Some(BTreeSet::new());
        for clause in &merge_into.clauses {
            collector.visit(&clause.predicate);
            match &clause.action {
                MergeAction::Update(update) => {
                    match &update.kind {
                        MergeUpdateKind::Set(assignments) => {
                            if let Some(columns) = &mut written {
                                columns.extend(assigned(assignments).filter_map(last));
                            }
                            for assignment in assignments {
                                collector.visit(&assignment.value);
                            }
                        }
                        MergeUpdateKind::Wildcard => written = None,
                    }
                    collector.visit(&update.update_predicate);
                    collector.visit(&update.delete_predicate);
                    if update.delete_predicate.is_some() {
                        written = None;
                    }
                }
                MergeAction::Insert(insert) => {
                    match (&mut written, insert.columns.as_slice()) {
                        (Some(columns), [_, ..]) => {
                            columns.extend(insert.columns.iter().filter_map(last));
                        }
                        _ => written = None,
                    }
                    collector.visit(&insert.kind);
                    collector.visit(&insert.insert_predicate);
                }
                MergeAction::Delete { .. } => written = None,
                MergeAction::DoNothing { .. } => {}
            }
        }
        let mut scope = self.sources(mem::take(&mut collector.factors));
        let target = scope.first_mut().and_then(|source| {
            source.listed = false;
            source.table.clone()
        });
        self.scopes.push(scope);
        self.finish(collector, &BTreeSet::new(), None);
        if let Some(table) = target {
            merge(&mut self.writes, table, written, BTreeSet::new());
        }
        self.wrote(StatementKind::Update)
    }
}

/// The columns SET targets name.
fn assigned<'a>(
    assignments: impl IntoIterator<Item = &'a Assignment>,
) -> impl Iterator<Item = &'a ObjectName> {
    (assignments.into_iter()).flat_map(|assignment| match &assignment.target {
        AssignmentTarget::ColumnName(column) => std::slice::from_ref(column),
        AssignmentTarget::Tuple(columns) => columns.as_slice(),
    })
}
