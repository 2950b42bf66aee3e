import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { onLangChange } from "./i18n";
import { interceptLinks, useLocation } from "./lib/router";
import { useSession } from "./lib/session";
import { lazyPage } from "./lib/lazy";
import { Shell } from "./components/Shell";
import { Login } from "./pages/Login";
import { WorkList } from "./pages/WorkList";
import { CasePage } from "./pages/CasePage";
import { NotFound } from "./pages/NotFound";
import { Password } from "./pages/Password";

const CommandMap = lazyPage(() => import("./pages/CommandMap"));
const Dashboard = lazyPage(() => import("./pages/Dashboard"));
const Inspector = lazyPage(() => import("./pages/Inspector"));
const Evaluation = lazyPage(() => import("./pages/Evaluation"));
const Stats = lazyPage(() => import("./pages/Stats"));
const UserAdmin = lazyPage(() => import("./pages/UserAdmin"));
const Register = lazyPage(() => import("./pages/Register"));
const AdminHub = lazyPage(() => import("./pages/AdminHub"));
const DepartmentAdmin = lazyPage(() => import("./pages/DepartmentAdmin"));
const GridAdmin = lazyPage(() => import("./pages/GridAdmin"));
const JurisdictionAdmin = lazyPage(() => import("./pages/JurisdictionAdmin"));
const AuditLog = lazyPage(() => import("./pages/AuditLog"));
const Worktime = lazyPage(() => import("./pages/Worktime"));
const Routing = lazyPage(() => import("./pages/Routing"));
const Catalog = lazyPage(() => import("./pages/Catalog"));
const Registers = lazyPage(() => import("./pages/Registers"));
const CaseSheet = lazyPage(() => import("./pages/CaseSheet"));
const WasteIndicators = lazyPage(() => import("./pages/WasteIndicators"));
const WasteAssessment = lazyPage(() => import("./pages/WasteAssessment"));
const WasteLedger = lazyPage(() => import("./pages/WasteLedger"));
const WasteHub = lazyPage(() => import("./pages/WasteHub"));
const WasteMap = lazyPage(() => import("./pages/WasteMap"));
const WasteTracks = lazyPage(() => import("./pages/WasteTracks"));
const WasteInspect = lazyPage(() => import("./pages/WasteInspect"));
// 违法建设
const ConstructionRecords = lazyPage(() => import("./pages/ConstructionRecords"));
const ConstructionRecord = lazyPage(() => import("./pages/ConstructionRecord"));
const ConstructionVerify = lazyPage(() => import("./pages/ConstructionVerify"));
const ConstructionBatches = lazyPage(() => import("./pages/ConstructionBatches"));
const ConstructionMap = lazyPage(() => import("./pages/ConstructionMap"));
const ConstructionIndicators = lazyPage(() => import("./pages/ConstructionIndicators"));

function useLangTick(): void {
  const [, tick] = useState(0);
  useEffect(() => onLangChange(() => tick((n) => n + 1)), []);
}

function Routed({ path }: { path: string }) {
  const work = path.match(/^\/work\/([a-z]+)$/);
  if (work) return <WorkList queue={work[1]} key={work[1]} />;
  if (path === "/cases") return <WorkList queue="all" key="all" />;
  const sheet = path.match(/^\/cases\/(\d+)\/sheet$/);
  if (sheet) return <CaseSheet caseId={Number(sheet[1])} key={sheet[1]} />;
  const c = path.match(/^\/cases\/(\d+)$/);
  if (c) return <CasePage caseId={Number(c[1])} key={c[1]} />;
  if (path === "/map") return <CommandMap />;
  if (path === "/dashboard") return <Dashboard />;
  if (path === "/evaluation") return <Evaluation />;
  if (path === "/stats") return <Stats />;
  if (path === "/m") return <Inspector />;
  if (path === "/admin") return <AdminHub />;
  if (path === "/admin/users") return <UserAdmin />;
  if (path === "/admin/departments") return <DepartmentAdmin />;
  if (path === "/admin/grids") return <GridAdmin />;
  if (path === "/admin/jurisdiction") return <JurisdictionAdmin />;
  if (path === "/admin/audit") return <AuditLog />;
  if (path === "/admin/worktime") return <Worktime />;
  if (path === "/admin/routing") return <Routing />;
  if (path === "/admin/catalog") return <Catalog />;
  if (path === "/admin/registers") return <Registers />;
  if (path === "/waste/indicators") return <WasteIndicators />;
  if (path === "/waste/assessment") return <WasteAssessment />;
  if (path === "/waste/ledger") return <WasteLedger />;
  if (path === "/waste") return <WasteHub />;
  if (path === "/waste/map") return <WasteMap />;
  if (path === "/waste/tracks") return <WasteTracks />;
  if (path === "/waste/inspect") return <WasteInspect />;
  if (path === "/password") return <Password />;
  if (path === "/construction") return <ConstructionRecords />;
  const rec = path.match(/^\/construction\/records\/([^/]+)$/);
  if (rec) return <ConstructionRecord code={decodeURIComponent(rec[1])} key={rec[1]} />;
  if (path === "/construction/verify") return <ConstructionVerify />;
  if (path === "/construction/batches") return <ConstructionBatches />;
  if (path === "/construction/map") return <ConstructionMap />;
  if (path === "/construction/indicators") return <ConstructionIndicators />;
  if (path === "/register") return <Register />;
  return <NotFound />;
}

function App() {
  useLangTick();
  const { path } = useLocation();
  if (path === "/login") return <Login />;
  return <Authed path={path} />;
}

// Pages laid out for the inspector's phone: the compact shell, no menu.
const PHONE_PAGES = ["/m", "/waste/inspect", "/construction/verify"];

function Authed({ path }: { path: string }) {
  const session = useSession();
  if (!session) return <div class="boot" aria-busy="true" />;
  return (
    <Shell session={session} path={path} compact={PHONE_PAGES.includes(path)}>
      <Routed path={path} />
    </Shell>
  );
}

const root = document.getElementById("app")!;
interceptLinks(root);
render(<App />, root);
