package io.baton.backfill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.baton.audit.AuditLog;
import io.baton.backtest.Backtest;
import io.baton.backtest.BacktestService;
import io.baton.backtest.SessionDates;
import io.baton.digdag.client.SessionTimes;
import io.baton.problem.ProblemException;
import io.baton.rules.Rule;
import io.baton.rules.RuleService;
import io.baton.trigger.Admission;
import io.baton.trigger.TriggerRun;
import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Backfills a rule over a date range: replays the rule on Digdag's history with the backtest (the same paced history
 * reader and the same evaluation), decides per downstream session (already ran: skip; upstreams held but never ran:
 * start; upstreams did not hold: skip with the reason) and, unless it is a dry run, opens a ledger row per start,
 * queued for admission at backfill priority. The ledger fires a session once, so a backfill run again starts nothing
 * twice. Planning reads Digdag for up to minutes, so it runs off the request thread, under a lease on the backfill's
 * row that the planning replica renews: a backfill whose replica died while planning is taken over by any replica
 * once the lease runs out, and planned again. The plan and its ledger rows are committed in one transaction, and only
 * by the holder of the lease, so planning twice starts nothing twice.
 */
@ApplicationScoped
public class BackfillService {

    private static final Logger LOG = Logger.getLogger(BackfillService.class);
    private static final TypeReference<List<Decision>> PLAN = new TypeReference<>() {
    };

    @Inject
    RuleService rules;

    @Inject
    BacktestService backtests;

    @Inject
    Admission admission;

    @Inject
    BackfillConfig config;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper mapper;

    private ExecutorService planners;

    /** The backfills this replica plans (or is about to): id → token of its claim. */
    private final Map<Long, String> planning = new ConcurrentHashMap<>();

    /** One session's decision as stored in the plan. */
    record Decision(String session, String decision, String reason, String attemptId) {
    }

    @PostConstruct
    void init() {
        planners = Executors.newFixedThreadPool(config.planners(), task -> {
            Thread thread = new Thread(task, "baton-backfill-plan");
            thread.setDaemon(true);
            return thread;
        });
    }

    void stop(@Observes ShutdownEvent event) {
        planners.shutdownNow();
    }

    /** Stores the backfill (audited unless a dry run) and plans it in the background. */
    public Backfill request(Rule rule, BackfillRequest request, String requestedBy) {
        if (request == null) {
            throw ProblemException.invalid("body", "from and to are required");
        }
        SessionDates dates = SessionDates.of(request.from(), request.to(), config.maxSessions(), "a backfill");
        boolean dryRun = Boolean.TRUE.equals(request.dryRun());
        String token = UUID.randomUUID().toString();
        long id = QuarkusTransaction.requiringNew().call(() -> {
            RuleBackfill backfill = new RuleBackfill();
            backfill.ruleName = rule.name();
            backfill.fromDate = dates.from();
            backfill.toDate = dates.to();
            backfill.dryRun = dryRun;
            backfill.state = RuleBackfill.PLANNING;
            backfill.requestedBy = requestedBy;
            backfill.planner = token;
            backfill.leaseUntil = OffsetDateTime.now(ZoneOffset.UTC).plus(config.planningLease());
            backfill.persist();
            if (!dryRun) {
                audit.record(AuditLog.BACKFILL, rule.name(), dates.from() + ".." + dates.to(),
                        "backfill " + backfill.id);
            }
            return backfill.id;
        });
        planSoon(id, token);
        return get(rule.name(), id);
    }

    private void planSoon(long id, String token) {
        planning.put(id, token);
        planners.execute(() -> {
            try {
                plan(id, token);
            } finally {
                planning.remove(id);
            }
        });
    }

    /**
     * Renews the leases of the backfills this replica plans, and takes over (as far as its planners are free)
     * backfills still planning whose lease ran out: their replica died.
     */
    @Scheduled(every = "${baton.backfill.planning-check:10s}", delayed = "3s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void keepPlanning() {
        try {
            QuarkusTransaction.requiringNew().run(() -> planning.forEach((id, token) -> RuleBackfill.update(
                    "leaseUntil = ?1 where id = ?2 and planner = ?3 and state = ?4", leaseEnd(), id, token,
                    RuleBackfill.PLANNING)));
            int free = config.planners() - planning.size();
            if (free <= 0) {
                return;
            }
            String token = UUID.randomUUID().toString();
            @SuppressWarnings("unchecked")
            List<Number> taken = QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager()
                    .createNativeQuery("UPDATE rule_backfill SET planner = :token, lease_until = :until WHERE id IN "
                            + "(SELECT id FROM rule_backfill WHERE state = '" + RuleBackfill.PLANNING + "' AND "
                            + "(lease_until IS NULL OR lease_until < now()) ORDER BY id LIMIT :free "
                            + "FOR UPDATE SKIP LOCKED) RETURNING id")
                    .setParameter("token", token).setParameter("until", leaseEnd()).setParameter("free", free)
                    .getResultList());
            for (Number id : taken) {
                LOG.infof("backfill %d was left planning by a replica that stopped; planning it here", id.longValue());
                planSoon(id.longValue(), token);
            }
        } catch (RuntimeException e) {
            LOG.warnf("renewing or taking over backfill plannings failed; tried again later: %s", e.getMessage());
        }
    }

    private OffsetDateTime leaseEnd() {
        return OffsetDateTime.now(ZoneOffset.UTC).plus(config.planningLease());
    }

    /** The backfill's plan and progress; 404 unless the rule has a backfill of that id. */
    public Backfill get(String ruleName, long id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RuleBackfill backfill = RuleBackfill.findById(id);
            if (backfill == null || !backfill.ruleName.equals(ruleName)) {
                throw ProblemException.notFound("rule '" + ruleName + "' has no backfill " + id);
            }
            return view(backfill);
        });
    }

    private void plan(long id, String token) {
        try {
            RuleBackfill backfill = QuarkusTransaction.requiringNew().call(() -> RuleBackfill.findById(id));
            Rule rule = rules.get(backfill.ruleName);
            Backtest replay = backtests.replay(rule, backfill.fromDate, backfill.toDate);
            if (replay.sessions().size() > config.maxSessions()) {
                fail(id, token, "the range holds " + replay.sessions().size() + " sessions of the rule; a backfill covers at "
                        + "most " + config.maxSessions() + ": backfill a shorter range");
                return;
            }
            QuarkusTransaction.requiringNew().run(() -> {
                RuleBackfill stored = held(id, token);
                if (stored == null) {
                    LOG.infof("backfill %d was taken over by another replica; its plan is written there", id);
                    return;
                }
                Map<String, TriggerRun> ledger = runs(rule.name(), replay.sessions().stream()
                        .map(Backtest.SessionRow::downstreamSession).toList());
                List<Decision> plan = new ArrayList<>();
                for (Backtest.SessionRow row : replay.sessions()) {
                    Decision decision = decide(row, ledger.get(row.downstreamSession()));
                    if (!backfill.dryRun && Backfill.START.equals(decision.decision())
                            && admission.openBackfill(rule, key(rule, row), SessionTimes.parse(row.downstreamSession()),
                            backfill.requestedBy).isEmpty()) {
                        decision = alreadyInLedger(row);
                    }
                    plan.add(decision);
                }
                stored.state = RuleBackfill.PLANNED;
                stored.plannedAt = OffsetDateTime.now(ZoneOffset.UTC);
                stored.requests = replay.requests();
                stored.plan = write(plan);
            });
        } catch (RuntimeException e) {
            LOG.warnf(e, "backfill %d could not be planned", id);
            fail(id, token, e.getMessage());
        }
    }

    private static Decision decide(Backtest.SessionRow row, TriggerRun run) {
        if (row.startedAt() != null) {
            return new Decision(row.downstreamSession(), Backfill.ALREADY_RAN, "the session ran in Digdag",
                    row.attemptId());
        }
        if (run != null) {
            return alreadyInLedger(row);
        }
        if (row.wouldFireAt() != null) {
            return new Decision(row.downstreamSession(), Backfill.START, "the upstreams held and it never ran", null);
        }
        List<String> missing = row.upstreams().stream().filter(u -> u.satisfiedAt() == null)
                .map(Backtest.UpstreamRow::id).toList();
        String reason = missing.isEmpty() ? "the upstreams finished further apart than the rule's window"
                : "not satisfied: " + String.join(", ", missing);
        return new Decision(row.downstreamSession(), Backfill.NOT_SATISFIED, reason, null);
    }

    private static Decision alreadyInLedger(Backtest.SessionRow row) {
        return new Decision(row.downstreamSession(), Backfill.ALREADY_RAN, "Baton's trigger ledger has a run for it",
                null);
    }

    /** The correlation key of a session to start: that of its upstream sessions, as the live engine computes it. */
    private static String key(Rule rule, Backtest.SessionRow row) {
        return row.upstreams().stream().flatMap(u -> u.sessionTimes().stream()).findFirst()
                .map(time -> rule.correlation().key(OffsetDateTime.parse(time)))
                .orElseThrow(() -> new IllegalStateException("no upstream session for " + row.downstreamSession()));
    }

    private void fail(long id, String token, String error) {
        QuarkusTransaction.requiringNew().run(() -> {
            RuleBackfill backfill = held(id, token);
            if (backfill != null) {
                backfill.state = RuleBackfill.FAILED;
                backfill.error = error;
            }
        });
    }

    /** Locks the backfill if it is still planning under this claim; null when another replica has taken it over. */
    private static RuleBackfill held(long id, String token) {
        RuleBackfill backfill = RuleBackfill.findById(id, LockModeType.PESSIMISTIC_WRITE);
        return backfill != null && RuleBackfill.PLANNING.equals(backfill.state) && token.equals(backfill.planner)
                ? backfill : null;
    }

    private Backfill view(RuleBackfill backfill) {
        List<Decision> plan = backfill.plan == null ? List.of() : read(backfill.plan);
        Map<String, TriggerRun> ledger = backfill.dryRun ? Map.of() : runs(backfill.ruleName, plan.stream()
                .filter(d -> Backfill.START.equals(d.decision())).map(Decision::session).toList());
        List<Backfill.SessionPlan> sessions = plan.stream().map(d -> {
            TriggerRun run = Backfill.START.equals(d.decision()) ? ledger.get(d.session()) : null;
            return run == null ? new Backfill.SessionPlan(d.session(), d.decision(), d.reason(), d.attemptId(), null,
                    null) : new Backfill.SessionPlan(d.session(), d.decision(), d.reason(), run.attemptId, run.id,
                    run.state);
        }).toList();
        List<String> runStates = sessions.stream().map(Backfill.SessionPlan::runState).filter(Objects::nonNull)
                .toList();
        int waiting = count(runStates, TriggerRun.PENDING, TriggerRun.STARTING);
        int failed = count(runStates, TriggerRun.FAILED);
        Backfill.Summary summary = new Backfill.Summary(plan.size(), decisions(plan, Backfill.START),
                decisions(plan, Backfill.ALREADY_RAN), decisions(plan, Backfill.NOT_SATISFIED),
                runStates.size() - waiting - failed, waiting, failed);
        String state = !RuleBackfill.PLANNED.equals(backfill.state) || backfill.dryRun ? backfill.state
                : waiting > 0 ? "starting" : "done";
        return new Backfill(backfill.id, backfill.ruleName, backfill.fromDate.toString(), backfill.toDate.toString(),
                backfill.dryRun, state, backfill.requestedBy, backfill.createdAt, backfill.plannedAt,
                backfill.requests, backfill.error, summary, sessions);
    }

    /** The rule's ledger runs of these downstream sessions, by session. */
    private static Map<String, TriggerRun> runs(String rule, List<String> sessions) {
        if (sessions.isEmpty()) {
            return Map.of();
        }
        return TriggerRun.ofSessions(rule, sessions.stream().map(SessionTimes::parse).toList()).stream()
                .collect(Collectors.toMap(TriggerRun::session, Function.identity()));
    }

    private static int decisions(List<Decision> plan, String decision) {
        return (int) plan.stream().filter(d -> decision.equals(d.decision())).count();
    }

    private static int count(List<String> states, String... of) {
        return (int) states.stream().filter(List.of(of)::contains).count();
    }

    private String write(List<Decision> plan) {
        try {
            return mapper.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Decision> read(String plan) {
        try {
            return mapper.readValue(plan, PLAN);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("backfill plan unreadable: " + e.getMessage(), e);
        }
    }
}
