package postgres

// PageQueries exposes pageQueries to the tests that EXPLAIN them.
var PageQueries = pageQueries
