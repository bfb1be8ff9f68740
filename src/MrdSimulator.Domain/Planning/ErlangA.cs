namespace MrdSimulator.Domain.Planning;

/// <summary>
/// The M/M/N+M queue (Erlang A, Palm's model): Erlang C's queue where every waiting task abandons after an
/// exponential patience of mean 1/θ, first come first served. Always stable: the queue stops growing where
/// abandonments balance the excess arrivals.
/// </summary>
/// <remarks>
/// <para>
/// The number in system is a birth–death chain: births λ; deaths jμ for j ≤ N and Nμ + (j − N)θ above. Its
/// stationary terms are built in log space from the ratios π_j/π_{j−1}, summed relative to the largest term (so
/// 500 agents at three times their load neither overflow nor underflow) and truncated past N once the ratio is
/// below one and the geometric bound on the rest of the mass and of its first moment is under 1e−15 of the sum.
/// Arrivals see the stationary distribution (PASTA), so P(wait) = Σ_{j≥N} π_j, E[Q] = Σ_{j&gt;N} (j − N)π_j, mean
/// time in queue E[Q]/λ (Little) and P(abandon) = θE[Q]/λ (abandonment rate over arrival rate).
/// </para>
/// <para>
/// A task arriving to find k = j − N waiting ahead of it is answered after V, a sum of independent exponentials of
/// rates r_i = Nμ + iθ, i = k..0 (with i ahead, the next departure from ahead is a service completion or one of
/// them abandoning), unless its own patience τ ~ Exp(θ) runs out first. Because the rates are equally spaced the
/// density of V telescopes to f(s) = Π r_i / (k! θ^k) · e^{−Nμs} (1 − e^{−θs})^k, which gives, in closed form:
/// P(answered | k) = E[e^{−θV}] = Nμ / (Nμ + (k + 1)θ);
/// E[V; answered | k] = P(answered | k) · Σ_{i=1}^{k+1} 1/(Nμ + iθ);
/// P(answered within t | k) = P(answered | k) · P(Y ≥ k + 1), Y negative binomial with r = Nμ/θ + 1 and success
/// probability e^{−θt} (substituting u = 1 − e^{−θs} turns the integral into a regularised incomplete beta with
/// integer first parameter, which is that tail). As θ → 0 the tail becomes the Poisson(Nμt) tail, Erlang C's
/// answer. The negative binomial terms are also built in log space, with one running sum over k.
/// </para>
/// <para>
/// Model and measures as in Garnett, Mandelbaum &amp; Reiman, "Designing a call center with impatient customers"
/// (MSOM 4(3), 2002); the closed forms above are derived here from the chain and checked in the tests against
/// uniformisation of the tagged task's chain, the θ = μ case (the number in system is then Poisson, as in M/M/∞)
/// and a Monte Carlo.
/// </para>
/// </remarks>
public static class ErlangA
{
    /// <summary>
    /// The most queue states (j − N) the chain is summed over. A very long patience on an overloaded queue puts
    /// the mode near (λ − Nμ)/θ waiting tasks; past this the model throws rather than run for minutes.
    /// </summary>
    public const int MaxQueueStates = 10_000_000;

    private const double Negligible = 1e-15;

    /// <summary>
    /// The figures of <paramref name="model"/>, whose workload must have a patience. Always stable.
    /// </summary>
    /// <exception cref="ArgumentException">The workload has no patience (use <see cref="ErlangC"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A figure is out of range, or the queue would need more than
    /// <see cref="MaxQueueStates"/> states (patience enormous against an overload).</exception>
    public static QueueFigures Evaluate(QueueModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Validate();
        if (model.Workload.PatienceSeconds is not { } patience)
        {
            throw new ArgumentException("Erlang A needs a mean patience; with infinite patience use Erlang C.", nameof(model));
        }

        var n = model.Agents;
        var t = model.ThresholdSeconds;
        var lambda = model.Workload.ArrivalsPerHour / 3600.0;
        var mu = 1.0 / model.Workload.HandleSeconds;
        var theta = 1.0 / patience;
        var offered = model.Workload.OfferedErlangs;
        var nMu = n * mu;

        // log(π_j / π_{j−1}); both passes call it in the same order, so they see bit-identical terms.
        double LogRatio(int j) => j <= n ? Math.Log(offered / j) : Math.Log(lambda / (nMu + (j - n) * theta));

        // Pass 1: the largest log term, the sum relative to it, and where to stop.
        var log = 0.0;
        var logMax = 0.0;
        var sum = 1.0;
        var last = 0;
        for (var j = 1; ; j++)
        {
            log += LogRatio(j);
            if (log > logMax)
            {
                sum = sum * Math.Exp(logMax - log) + 1.0;
                logMax = log;
            }
            else
            {
                sum += Math.Exp(log - logMax);
            }

            if (j < n)
            {
                continue;
            }

            var k = j - n;
            var next = lambda / (nMu + (k + 1) * theta);
            if (next < 1)
            {
                // Later ratios are at most `next`, so the remaining mass is below term·next/(1 − next) and its first
                // moment below term·(k + 1)·next/(1 − next)².
                var tail = Math.Exp(log - logMax) * (k + 1) * next / ((1 - next) * (1 - next));
                if (tail < Negligible * sum)
                {
                    last = j;
                    break;
                }
            }

            if (k >= MaxQueueStates)
            {
                throw new ArgumentOutOfRangeException(nameof(model), $"The queue would need more than {MaxQueueStates} states: a mean patience of {patience} s is too long for this overload.");
            }
        }

        // Pass 2: the figures.
        var logRetry = t > 0 ? Math.Log(-ExpM1(-theta * t)) : double.NegativeInfinity;
        var b = nMu / theta;
        log = 0.0;
        var answeredAtOnce = 0.0;
        var pWait = 0.0;
        var queued = 0.0;
        var answeredLater = 0.0;
        var waitOfAnswered = 0.0;
        var answeredInTime = 0.0;
        var harmonic = 0.0;
        var logTerm = 0.0;
        var tailFrom = 0.0;
        for (var j = 0; j <= last; j++)
        {
            if (j > 0)
            {
                log += LogRatio(j);
            }

            var p = Math.Exp(log - logMax) / sum;
            if (j < n)
            {
                answeredAtOnce += p;
                continue;
            }

            var k = j - n;
            pWait += p;
            queued += k * p;
            var rate = nMu + (k + 1) * theta;
            var answered = nMu / rate;
            harmonic += 1.0 / rate;
            answeredLater += p * answered;
            waitOfAnswered += p * answered * harmonic;
            if (t > 0)
            {
                // Negative binomial term k: r = b + 1, success probability e^{−θt}; tailFrom accumulates P(Y ≤ k).
                logTerm = k == 0 ? -(nMu + theta) * t : logTerm + Math.Log((b + k) / k) + logRetry;
                tailFrom += Math.Exp(logTerm);
                answeredInTime += p * answered * Math.Max(0.0, 1.0 - tailFrom);
            }
        }

        var meanWait = queued / lambda;

        // Both are ≤ 1 exactly; in an extreme overload rounding can leave them a few ulps above.
        var abandoned = Math.Min(1.0, theta * meanWait);
        var occupancy = Math.Min(1.0, offered * (1 - abandoned) / n);
        var served = answeredAtOnce + answeredLater;
        return new QueueFigures(
            Stable: true,
            OfferedErlangs: offered,
            PWait: pWait,
            MeanWaitSeconds: meanWait,
            MeanWaitOfAnsweredSeconds: waitOfAnswered / served,
            ServiceLevel: answeredAtOnce + answeredInTime,
            Abandoned: abandoned,
            Occupancy: occupancy);
    }

    /// <summary>e^x − 1 without the cancellation of the naive form near zero (Kahan's correction).</summary>
    internal static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }
}
