/**
 * Shares one widget's chat store with its parts. Each `<ChatWidget>` provides its own, so
 * two widgets on a page never share state.
 */
import { createContext, type ReactNode, useContext } from 'react';
import { useStore } from 'zustand';
import type { ChatState } from '../core/state.ts';
import type { ChatActions, ChatStore } from '../core/store.ts';

const ChatStoreContext = createContext<ChatStore | null>(null);

/** Props of `ChatStoreProvider`. */
export interface ChatStoreProviderProps {
  /** The store made by `createChatStore()` for this widget. */
  store: ChatStore;
  children?: ReactNode;
}

/** Makes `store` available to `useChatStore` and `useChatActions` below it. */
export function ChatStoreProvider({ store, children }: ChatStoreProviderProps) {
  return <ChatStoreContext.Provider value={store}>{children}</ChatStoreContext.Provider>;
}

/** The store itself, for code that needs more than selecting (e.g. the connection). */
export function useChatStoreApi(): ChatStore {
  const store = useContext(ChatStoreContext);
  if (!store) {
    throw new Error(
      'chatwire: useChatStore was called outside a chat store. Render it inside <ChatWidget> or <ChatStoreProvider store={createChatStore()}>.',
    );
  }
  return store;
}

/**
 * Selects from the widget's chat state; the component re-renders only when the selected
 * value changes (by `Object.is`). Return primitives or references the store keeps stable,
 * or wrap the selector in zustand's `useShallow`.
 */
export function useChatStore<Selected>(selector: (state: ChatState) => Selected): Selected {
  return useStore(useChatStoreApi(), selector);
}

/** The widget's actions: a stable object, safe to use in effects and handlers. */
export function useChatActions(): ChatActions {
  return useChatStoreApi().actions;
}
