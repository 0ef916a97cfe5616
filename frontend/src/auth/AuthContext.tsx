import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, getToken, onUnauthorized, setToken } from "../api/client";
import type { Me, TokenResponse } from "../api/types";

interface Auth {
  /** The signed-in user; null when signed out; undefined while a stored session is checked. */
  user: Me | null | undefined;
  /** True when the last session ended because the server answered 401. */
  expired: boolean;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<Auth | null>(null);

/** Holds the session: the token (see api/client) and the user from `GET /auth/me`. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null | undefined>(getToken() ? undefined : null);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    onUnauthorized(() => {
      setToken(null);
      setUser(null);
      setExpired(true);
    });
    return () => onUnauthorized(null);
  }, []);

  useEffect(() => {
    if (!getToken()) return;
    api<Me>("/auth/me")
      .then(setUser)
      .catch(() => {
        setToken(null);
        setUser(null);
      });
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const response = await api<TokenResponse>("/auth/login", { form: { username, password } });
    setToken(response.access_token);
    try {
      setUser(await api<Me>("/auth/me"));
      setExpired(false);
    } catch (error) {
      setToken(null);
      throw error;
    }
  }, []);

  const signOut = useCallback(() => {
    setToken(null);
    setUser(null);
    setExpired(false);
  }, []);

  const value = useMemo(() => ({ user, expired, signIn, signOut }), [user, expired, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The session. */
export function useAuth(): Auth {
  const context = useContext(AuthContext);
  if (!context) throw new Error("useAuth needs an AuthProvider");
  return context;
}
