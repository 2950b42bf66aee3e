// A page's error and notice lines: `<testid>-error` (role alert) and `<testid>-notice`
// (role status), each shown only when it has text. `noticeTestid` names a notice line
// whose test id does not follow the pattern (the password page's `password-done`).
interface Props {
  error?: string | null;
  notice?: string | null;
  testid: string;
  noticeTestid?: string;
}

export function Messages({ error, notice, testid, noticeTestid }: Props) {
  return (
    <>
      {error && (
        <p class="error" role="alert" data-testid={`${testid}-error`}>
          {error}
        </p>
      )}
      {notice && (
        <p class="ok" role="status" data-testid={noticeTestid ?? `${testid}-notice`}>
          {notice}
        </p>
      )}
    </>
  );
}
