// The lower bound on GPU-hours of bench loop's twin, per scenario, for a clairvoyant policy that
// never violates the SLO: need(s) = fewest replicas whose M/M/c p95 at second s's load is within
// the SLO (DeploymentTwin.Spec.capacityPerReplicaAtSlo); a replica needed at u is billed from
// u - lead (the 90 s warm-up) and, with a scale-down window of win seconds, kept until win seconds
// after the last second it is needed. Run from the repository root after ./hormesis has built:
//   jshell --class-path jobs/target/classes:udfs/target/classes:jobs/target/hormesis.jar \
//       benchmarks/scripts/loop-bound.jsh
import io.hormesis.jobs.sim.twin.*;
var trace = ArrivalTrace.azure(java.nio.file.Path.of("../shared/data/azure-llm-2023"), "conv", 1.0, 8.0);
var spec = DeploymentTwin.Spec.benchmark(1);
for (String sc : new String[]{"feature-drift","surge","repeated-surges"}) {
  var scenario = TwinScenario.of(sc, 3600, 42);
  int D = 3600;
  int[] need = new int[D];
  double peak=0;
  for (int s=0;s<D;s++){ double r=trace.rate(s)*scenario.loadFactor(s); peak=Math.max(peak,r); int n=1; while(n*spec.capacityPerReplicaAtSlo(n)<r) n++; need[s]=n; }
  int st=1; while(st*spec.capacityPerReplicaAtSlo(st)<peak) st++;
  for (int win : new int[]{0,60,120,300}) for (int lead : new int[]{0,90}) {
    // provisioned(t) = max need over [t-win, t+lead] (scale-up ordered lead s early, kept win s after)
    double sum=0; for(int t=0;t<D;t++){int m=0; for(int u=Math.max(0,t-win);u<=Math.min(D-1,t+lead);u++) m=Math.max(m,need[u]); sum+=m;}
    System.out.printf("%s static %d (%.1f GPUh, 70%%=%.2f) win %d lead %d: %.2f GPUh%n", sc, st, st*D/3600.0, 0.7*st*D/3600.0, win, lead, sum/3600);
  }
  double ex=0; for(int t=0;t<D;t++) ex+=need[t]; System.out.printf("%s exact per second %.2f%n", sc, ex/3600);
}
/exit
