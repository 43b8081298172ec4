/** An error for the user (zh-TW), announced by screen readers; nothing when there is none. */
export function ErrorLine({ error }: { error: string | null | undefined }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}
