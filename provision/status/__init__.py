"""Fleet health (`provision status`): every client's secret expiry and console drift,
every identity's last verify and stored authorization, every site's pending changes, as
checks that are ok, a warning or failed, each with its reason and the command that fixes
it. Built from the plan and from what the state directory holds; never writes.

`report` holds the data (light to import: reporters read it), `checks` builds it from
what `observe` and `graph` read and from the plan."""
